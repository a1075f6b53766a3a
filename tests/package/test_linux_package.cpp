// SPDX-License-Identifier: MIT
// The Linux packages as users get them: the Debian package built by CPack, installed and run
// from its installed paths; and the portable archive built by CPack, unpacked into a folder
// with spaces and non-ASCII characters and run there with nothing from the build on the
// library or plugin path. Skips when the Debian tools or patchelf are missing.
//
// By default the package is unpacked with dpkg-deb -x, which leaves the system alone. With
// CXR_PACKAGE_TEST_DPKG_INSTALL=1, as root, it is really installed with dpkg -i: first an older
// version made from it, then this one over it (an upgrade), and removed at the end.
// The portable archive is built with zstd (cpack -G TZST: the same staging and bundling as the
// .tar.gz, compressed in seconds instead of 40 s) unless CXR_PORTABLE_ARCHIVE names one to test
// (./setup.sh package: the .tar.gz).
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

namespace {

struct Outcome {
    int exitCode = -1;
    QString output; // stdout and stderr together
};

Outcome run(const QString &program, const QStringList &arguments,
            const QProcessEnvironment &environment = QProcessEnvironment::systemEnvironment(),
            const QString &workingDirectory = QString(), int timeoutMs = 300000)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setProcessEnvironment(environment);
    if (!workingDirectory.isEmpty()) {
        process.setWorkingDirectory(workingDirectory);
    }
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {-1, QStringLiteral("%1 did not finish").arg(program)};
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromLocal8Bit(process.readAll())};
}

// What a user's desktop session would have: no build paths for libraries or Qt plugins.
QProcessEnvironment cleanEnvironment(const QString &home)
{
    QProcessEnvironment environment;
    environment.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:/bin"));
    environment.insert(QStringLiteral("HOME"), home);
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return environment;
}

const QString kDemo = QStringLiteral(CXR_SOURCE_DIR "/resources/demo");

} // namespace

class TestLinuxPackage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void debianPackageDeclaresItsDependencies();
    void debianPackageHoldsTheApplication();
    void installedTreeHasEveryDeclaredFile();
    void installedProgramsRun();
    void installedDesktopFilesAreValid();
    void portableTreeRunsFromAnyFolder();
    void upgradeAndRemovalKeepUserData();
    void cleanupTestCase();

private:
    // Regular files the package declares, as paths below the root ("usr/bin/cxr"), with sizes.
    QMap<QString, qint64> declaredFiles() const;
    void checkProgramsRun(const QString &binDir, const QString &expectedPluginDir);

    // A copy of the package with an older version number, for the upgrade.
    QString makeOlderPackage();
    // Packages the build with one CPack generator into m_work/packages (CPack's output prefix
    // is relative to the folder it runs in).
    Outcome runCPack(const QString &generator) const;

    QTemporaryDir m_work;
    QString m_deb;
    QString m_root;           // where the package was installed or unpacked
    bool m_installed = false; // by dpkg -i, into this system
};

void TestLinuxPackage::initTestCase()
{
#if !defined(__linux__)
    QSKIP("Linux packages are built and tested on Linux only");
#endif
    for (const char *tool : {"dpkg-deb", "dpkg-shlibdeps", "patchelf"}) {
        if (QStandardPaths::findExecutable(QString::fromLatin1(tool)).isEmpty()) {
            QSKIP(qPrintable(QStringLiteral("%1 not found: the Debian package cannot be built here "
                                            "(Debian: apt-get install dpkg-dev patchelf)")
                                 .arg(QString::fromLatin1(tool))));
        }
    }
    QVERIFY(m_work.isValid());
    const Outcome cpack = runCPack(QStringLiteral("DEB"));
    QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.output));
    const QStringList debs = QDir(m_work.filePath(QStringLiteral("packages")))
                                 .entryList({QStringLiteral("*.deb")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    m_deb = m_work.filePath(QStringLiteral("packages/") + debs.front());

    if (qEnvironmentVariable("CXR_PACKAGE_TEST_DPKG_INSTALL") == QLatin1String("1") &&
        geteuid() == 0) {
        // Into this system: the older version, then this version over it.
        const QString older = makeOlderPackage();
        QVERIFY(!older.isEmpty());
        const Outcome first = run(QStringLiteral("dpkg"), {QStringLiteral("-i"), older});
        QVERIFY2(first.exitCode == 0, qPrintable(first.output));
        const Outcome upgrade = run(QStringLiteral("dpkg"), {QStringLiteral("-i"), m_deb});
        QVERIFY2(upgrade.exitCode == 0, qPrintable(upgrade.output));
        m_installed = true;
        m_root = QStringLiteral("/");
    } else {
        m_root = m_work.filePath(QStringLiteral("root"));
        const Outcome unpack =
            run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, m_root});
        QVERIFY2(unpack.exitCode == 0, qPrintable(unpack.output));
    }
}

void TestLinuxPackage::debianPackageDeclaresItsDependencies()
{
    const Outcome depends =
        run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Depends")});
    QCOMPARE(depends.exitCode, 0);
    // dpkg-shlibdeps maps the linked libraries to the packages that hold them, plus the Qt
    // platform plugins that are loaded at run time.
    for (const char *expected : {"libqt6widgets6", "libqt6gui6", "libtorch", "libopencv-core",
                                 "libdcmtk", "libqcustomplot2.1-qt6", "qt6-qpa-plugins", "libc6"}) {
        QVERIFY2(depends.output.contains(QString::fromLatin1(expected)),
                 qPrintable(QStringLiteral("%1 missing from Depends: %2")
                                .arg(QString::fromLatin1(expected), depends.output)));
    }
    // Every dependency is a real runtime package: installed here (the binaries were built and
    // run against them) and never a -dev package.
    for (QString dependency : depends.output.trimmed().split(QLatin1Char(','))) {
        dependency =
            dependency.trimmed().section(QLatin1Char(' '), 0, 0).section(QLatin1Char('|'), 0, 0);
        QVERIFY2(!dependency.endsWith(QLatin1String("-dev")), qPrintable(dependency));
        const Outcome status =
            run(QStringLiteral("dpkg-query"),
                {QStringLiteral("-W"), QStringLiteral("-f=${Status}"), dependency});
        QVERIFY2(status.output.contains(QLatin1String("install ok installed")),
                 qPrintable(QStringLiteral("%1: %2").arg(dependency, status.output)));
    }
}

void TestLinuxPackage::debianPackageHoldsTheApplication()
{
    const QMap<QString, qint64> files = declaredFiles();
    for (const char *expected :
         {"usr/bin/cxr", "usr/bin/cxr-studio", "usr/share/applications/cxr-studio.desktop",
          "usr/share/icons/hicolor/scalable/apps/cxr-studio.svg",
          "usr/share/metainfo/io.github.cxrstudio.CxrStudio.metainfo.xml",
          "usr/share/man/man1/cxr.1.gz"}) {
        QVERIFY2(files.contains(QString::fromLatin1(expected)), expected);
    }
    // One version everywhere: the package, the AppStream release list, the man page.
    const Outcome version =
        run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Version")});
    QCOMPARE(version.output.trimmed(), QStringLiteral(CXR_PROJECT_VERSION));
    QFile metainfo(QDir(m_root).filePath(
        QStringLiteral("usr/share/metainfo/io.github.cxrstudio.CxrStudio.metainfo.xml")));
    QVERIFY(metainfo.open(QIODevice::ReadOnly));
    QVERIFY2(metainfo.readAll().contains("<release version=\"" CXR_PROJECT_VERSION "\""),
             "the AppStream metadata has no <release> for this version");
    const Outcome manPage =
        run(QStringLiteral("sh"),
            {QStringLiteral("-c"),
             QStringLiteral("gzip -dc '%1'")
                 .arg(QDir(m_root).filePath(QStringLiteral("usr/share/man/man1/cxr.1.gz")))});
    QVERIFY2(manPage.output.contains(QStringLiteral("\"CXR Studio " CXR_PROJECT_VERSION "\"")),
             qPrintable(manPage.output.left(200)));
}

void TestLinuxPackage::installedTreeHasEveryDeclaredFile()
{
    const QMap<QString, qint64> files = declaredFiles();
    QVERIFY(!files.isEmpty());
    for (auto file = files.cbegin(); file != files.cend(); ++file) {
        const QFileInfo installed(QDir(m_root).filePath(file.key()));
        QVERIFY2(installed.isFile(),
                 qPrintable(installed.filePath() + QStringLiteral(" is missing")));
        QCOMPARE(installed.size(), file.value());
        if (file.key().startsWith(QLatin1String("usr/bin/"))) {
            QVERIFY2(installed.isExecutable(), qPrintable(installed.filePath()));
        }
    }
}

void TestLinuxPackage::installedProgramsRun()
{
    checkProgramsRun(QDir(m_root).filePath(QStringLiteral("usr/bin")), QString());
}

void TestLinuxPackage::installedDesktopFilesAreValid()
{
    const QString desktop =
        QDir(m_root).filePath(QStringLiteral("usr/share/applications/cxr-studio.desktop"));
    const QString metainfo = QDir(m_root).filePath(
        QStringLiteral("usr/share/metainfo/io.github.cxrstudio.CxrStudio.metainfo.xml"));
    bool checked = false;
    if (!QStandardPaths::findExecutable(QStringLiteral("desktop-file-validate")).isEmpty()) {
        const Outcome valid = run(QStringLiteral("desktop-file-validate"), {desktop});
        QVERIFY2(valid.exitCode == 0 && !valid.output.contains(QLatin1String("error")),
                 qPrintable(valid.output));
        checked = true;
    }
    if (!QStandardPaths::findExecutable(QStringLiteral("appstreamcli")).isEmpty()) {
        const Outcome valid =
            run(QStringLiteral("appstreamcli"),
                {QStringLiteral("validate"), QStringLiteral("--no-net"), metainfo});
        QVERIFY2(valid.exitCode == 0, qPrintable(valid.output));
        checked = true;
    }
    if (!checked) {
        QSKIP("neither desktop-file-validate nor appstreamcli is installed");
    }
}

void TestLinuxPackage::portableTreeRunsFromAnyFolder()
{
    QString archive = qEnvironmentVariable("CXR_PORTABLE_ARCHIVE");
    if (archive.isEmpty()) {
        const Outcome cpack = runCPack(QStringLiteral("TZST"));
        QVERIFY2(cpack.exitCode == 0, qPrintable(cpack.output));
        archive = m_work.filePath(
            QStringLiteral("packages/cxr-studio-" CXR_PROJECT_VERSION "-linux-portable.tar.zst"));
    }
    QVERIFY2(QFileInfo::exists(archive), qPrintable(archive));
    // Unpacked where no build path could help: the rpaths and qt.conf must be relative.
    const QString folder = m_work.filePath(QStringLiteral("a folder with spaces, ünïcödé"));
    QVERIFY(QDir().mkpath(folder));
    const Outcome unpack =
        run(QStringLiteral(CXR_CMAKE_COMMAND),
            {QStringLiteral("-E"), QStringLiteral("tar"), QStringLiteral("xf"), archive},
            QProcessEnvironment::systemEnvironment(), folder);
    QVERIFY2(unpack.exitCode == 0, qPrintable(unpack.output));
    const QString tree =
        folder + QStringLiteral("/cxr-studio-" CXR_PROJECT_VERSION "-linux-portable");
    QVERIFY2(QFileInfo::exists(tree + QStringLiteral("/lib/libQt6Core.so.6")),
             "the archive has no bundled libraries");
    QVERIFY(QFileInfo::exists(tree + QStringLiteral("/plugins/platforms/libqxcb.so")));
    QVERIFY(QFileInfo::exists(tree + QStringLiteral("/README.txt")));

    const Outcome check =
        run(QStringLiteral(CXR_CMAKE_COMMAND),
            {QStringLiteral("-DBUNDLE_ROOT=") + tree, QStringLiteral("-DCHECK_ONLY=ON"),
             QStringLiteral("-P"),
             QStringLiteral(CXR_SOURCE_DIR "/installer/linux/bundle_libraries.cmake")});
    QVERIFY2(check.exitCode == 0, qPrintable(check.output));
    checkProgramsRun(tree + QStringLiteral("/bin"), tree + QStringLiteral("/plugins"));
}

void TestLinuxPackage::upgradeAndRemovalKeepUserData()
{
    // User data (settings in ~/.config, runs where the user saves them) survives because of
    // what the package is, checked here: dpkg removes only the files a package lists, all of
    // ours are under /usr, and there are no maintainer scripts that could delete anything else.
    const QMap<QString, qint64> files = declaredFiles();
    for (const QString &file : files.keys()) {
        QVERIFY2(file.startsWith(QLatin1String("usr/")), qPrintable(file));
    }
    const Outcome control = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-I"), m_deb});
    for (const char *script : {"preinst", "postinst", "prerm", "postrm"}) {
        QVERIFY2(!control.output.contains(QString::fromLatin1(script)), script);
    }
    if (!m_installed) {
        QSKIP("the upgrade and removal themselves need CXR_PACKAGE_TEST_DPKG_INSTALL=1 and root");
    }
    const Outcome version =
        run(QStringLiteral("dpkg-query"),
            {QStringLiteral("-W"), QStringLiteral("-f=${Version}"), QStringLiteral("cxr-studio")});
    QCOMPARE(version.output, QStringLiteral(CXR_PROJECT_VERSION)); // the upgrade took
    const Outcome remove =
        run(QStringLiteral("dpkg"), {QStringLiteral("-r"), QStringLiteral("cxr-studio")});
    QVERIFY2(remove.exitCode == 0, qPrintable(remove.output));
    m_installed = false;
    QVERIFY(!QFileInfo::exists(QStringLiteral("/usr/bin/cxr-studio")));
}

void TestLinuxPackage::cleanupTestCase()
{
    if (m_installed) {
        run(QStringLiteral("dpkg"), {QStringLiteral("-r"), QStringLiteral("cxr-studio")});
    }
}

Outcome TestLinuxPackage::runCPack(const QString &generator) const
{
    return run(QStringLiteral(CXR_CPACK_COMMAND),
               {QStringLiteral("-G"), generator, QStringLiteral("--config"),
                QStringLiteral(CXR_BUILD_DIR "/CPackConfig.cmake"), QStringLiteral("-B"),
                m_work.path()},
               QProcessEnvironment::systemEnvironment(), m_work.path());
}

QString TestLinuxPackage::makeOlderPackage()
{
    const QString tree = m_work.filePath(QStringLiteral("older"));
    if (run(QStringLiteral("dpkg-deb"), {QStringLiteral("-R"), m_deb, tree}).exitCode != 0) {
        return {};
    }
    QFile control(tree + QStringLiteral("/DEBIAN/control"));
    if (!control.open(QIODevice::ReadWrite)) {
        return {};
    }
    QString text = QString::fromUtf8(control.readAll());
    text.replace(
        QRegularExpression(QStringLiteral("^Version: .*$"), QRegularExpression::MultilineOption),
        QStringLiteral("Version: 0.0.1"));
    control.resize(0);
    control.write(text.toUtf8());
    control.close();
    const QString older = m_work.filePath(QStringLiteral("cxr-studio_0.0.1_amd64.deb"));
    return run(QStringLiteral("dpkg-deb"), {QStringLiteral("-b"), tree, older}).exitCode == 0
               ? older
               : QString();
}

QMap<QString, qint64> TestLinuxPackage::declaredFiles() const
{
    // dpkg-deb -c prints tar's listing: "-rwxr-xr-x root/root 3115240 2026-11-27 21:22
    // ./usr/bin/cxr".
    const Outcome listing = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb});
    QMap<QString, qint64> files;
    for (const QString &line : listing.output.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList fields = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (fields.size() >= 6 && fields[0].startsWith(QLatin1Char('-'))) {
            files.insert(fields.mid(5).join(QLatin1Char(' ')).mid(2), fields[2].toLongLong());
        }
    }
    return files;
}

void TestLinuxPackage::checkProgramsRun(const QString &binDir, const QString &expectedPluginDir)
{
    const QProcessEnvironment environment =
        cleanEnvironment(m_work.filePath(QStringLiteral("home")));
    const Outcome version =
        run(binDir + QStringLiteral("/cxr"), {QStringLiteral("--version")}, environment);
    QVERIFY2(version.exitCode == 0, qPrintable(version.output));
    QVERIFY2(version.output.startsWith(QStringLiteral("cxr " CXR_PROJECT_VERSION " (")),
             qPrintable(version.output));

    const Outcome scan =
        run(binDir + QStringLiteral("/cxr"), {QStringLiteral("scan"), kDemo}, environment);
    QVERIFY2(scan.exitCode == 0, qPrintable(scan.output));
    QVERIFY2(scan.output.contains(QLatin1String("PNEUMONIA")), qPrintable(scan.output));

    const Outcome gui = run(binDir + QStringLiteral("/cxr-studio"),
                            {QStringLiteral("--self-check"), kDemo}, environment);
    QVERIFY2(gui.exitCode == 0, qPrintable(gui.output));
    QVERIFY2(gui.output.contains(QLatin1String("platform offscreen")), qPrintable(gui.output));
    QVERIFY2(gui.output.contains(QLatin1String("loaded")), qPrintable(gui.output));
    if (!expectedPluginDir.isEmpty()) {
        // The bundled plugins, not the system's: qt.conf was found and followed.
        QVERIFY2(gui.output.contains(QStringLiteral("plugins from ") + expectedPluginDir),
                 qPrintable(gui.output));
    }
}

QTEST_GUILESS_MAIN(TestLinuxPackage)
#include "test_linux_package.moc"
