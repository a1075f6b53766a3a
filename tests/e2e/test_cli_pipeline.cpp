// SPDX-License-Identifier: MIT
// End to end: the `cxr` executable on the demo data, as a user runs it, and its bad-input paths.
#include "core/common/csv.h"
#include "core/pacs/pacs_node.h"
#include "tests/common/cli_process.h"
#include "tests/common/dicom_attribute.h"
#include "tests/common/orthanc_server.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

using namespace cxr;

namespace {

using Outcome = test::CliOutcome;
using test::runCli;

QString firstDemoImage()
{
    return QDirIterator(test::demoDataset() + "/test/PNEUMONIA", QDir::Files).next();
}

} // namespace

class TestCliPipeline : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void version()
    {
        const Outcome o = runCli({"--version"});
        QCOMPARE(o.exitCode, 0);
        QVERIFY(o.out.startsWith("cxr 0."));
    }

    void scanJson()
    {
        const Outcome o = runCli({"scan", test::demoDataset(), "--json"});
        QCOMPARE(o.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(o.out.toUtf8()).object();
        QCOMPARE(json["images"].toInt(), 200);
        QCOMPARE(json["classes"].toArray().size(), 2);
        QCOMPARE(
            json["splits"].toObject()["train"].toObject()["counts"].toObject()["NORMAL"].toInt(),
            60);
    }

    // A file name that is not UTF-8 (bytes 0xFF 0xFE) reaches --json output losslessly, as
    // {"bytes_hex", "text"}, instead of aborting the scan.
    void scanJsonKeepsNamesThatAreNotUtf8()
    {
        const QString root = m_dir.filePath("bytes");
        QVERIFY(QDir().mkpath(root + "/NORMAL") && QDir().mkpath(root + "/PNEUMONIA"));
        QVERIFY(QFile::copy(firstDemoImage(), root + "/PNEUMONIA/a.jpeg"));
        QVERIFY(QFile::copy(firstDemoImage(), root + "/NORMAL/a.jpeg"));
        std::ofstream(root.toStdString() + "/NORMAL/\xff\xfe.jpeg") << "not an image";
        const Outcome o = runCli({"scan", root, "--json"});
        std::remove((root.toStdString() + "/NORMAL/\xff\xfe.jpeg").c_str()); // QTemporaryDir can't
        QCOMPARE(o.exitCode, 3); // finished, with a problem file
        const QJsonObject json = QJsonDocument::fromJson(o.out.toUtf8()).object();
        const QJsonArray problems = json["problems"].toArray();
        QCOMPARE(problems.size(), 1);
        const QString hex = problems[0].toObject()["path"].toObject()["bytes_hex"].toString();
        QVERIFY2(hex.endsWith(QByteArray("/NORMAL/\xff\xfe.jpeg").toHex()), qPrintable(o.out));
    }

    void trainEvaluateExplain()
    {
        const QString run = m_dir.filePath("run");
        const Outcome trained =
            runCli({"train", test::demoDataset(), "--model", "small-cnn", "--epochs", "4",
                    "--batch", "16", "--input-size", "96", "--device", "cpu", "--out", run});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        QCOMPARE(
            trained.out.count(QRegularExpression("^epoch ", QRegularExpression::MultilineOption)),
            4);

        // The loss went down: first against last epoch's training loss in metrics.csv.
        QFile metrics(run + "/metrics.csv");
        QVERIFY(metrics.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(metrics.readAll()).trimmed().split('\n');
        QCOMPARE(rows.size(), 5);
        const double firstLoss = rows[1].split(',')[1].toDouble();
        const double lastLoss = rows[4].split(',')[1].toDouble();
        QVERIFY2(lastLoss < firstLoss,
                 qPrintable(QString("%1 -> %2").arg(firstLoss).arg(lastLoss)));
        for (const char *artefact :
             {"config.json", "checkpoints/last.pt", "model/weights.pt", "model/model.json"}) {
            QVERIFY2(QFile::exists(run + "/" + artefact), artefact);
        }

        const Outcome evaluated = runCli({"evaluate", run, test::demoDataset(), "--device", "cpu"});
        QVERIFY2(evaluated.exitCode == 0, qPrintable(evaluated.err));
        for (const char *metric :
             {"Accuracy", "Balanced accuracy", "Sensitivity (recall)", "Specificity",
              "Precision (PPV)", "NPV", "F1", "MCC", "Cohen's kappa", "ROC AUC", "PR AUC",
              "Brier score", "95% bootstrap CI", "majority-class baseline accuracy 0.500",
              "Confusion matrix"}) {
            QVERIFY2(evaluated.out.contains(metric), metric);
        }
        QVERIFY(evaluated.out.contains("50 images"));
        QVERIFY2(evaluated.out.contains("Calibration: temperature") &&
                     evaluated.out.contains("Out-of-distribution guard:") &&
                     evaluated.out.contains("overestimates performance on other patients"),
                 qPrintable(evaluated.out));
        QVERIFY(QFile::exists(run + "/evaluations/test/predictions.csv"));
        QFile metricsFile(run + "/evaluations/test/metrics.json");
        QVERIFY(metricsFile.open(QIODevice::ReadOnly));
        const QJsonObject metricsJson = QJsonDocument::fromJson(metricsFile.readAll()).object();
        const QJsonObject auc = metricsJson["metrics"].toObject()["roc_auc"].toObject();
        QVERIFY(auc["ci_low"].toDouble() <= auc["value"].toDouble());
        QVERIFY(auc["value"].toDouble() <= auc["ci_high"].toDouble());
        QCOMPARE(metricsJson["bootstrap"].toObject()["seed"].toInt(), 42);

        const Outcome youden = runCli({"evaluate", run, test::demoDataset(), "--device", "cpu",
                                       "--threshold", "youden", "--bootstrap", "50"});
        QVERIFY2(youden.exitCode == 0, qPrintable(youden.err));
        QVERIFY(youden.out.contains("Youden's J on this split"));
        QVERIFY(youden.out.contains("optimistic"));
        const Outcome badThreshold =
            runCli({"evaluate", run, test::demoDataset(), "--threshold", "1.5"});
        QVERIFY(badThreshold.exitCode != 0);
        QVERIFY(badThreshold.err.contains("--threshold 1.5"));

        // A PDF report beside the evaluation; the classical baselines; the side-by-side table.
        const QString pdf = m_dir.filePath("report.pdf");
        const Outcome reported =
            runCli({"evaluate", run, test::demoDataset(), "--device", "cpu", "--report", pdf});
        QVERIFY2(reported.exitCode == 0, qPrintable(reported.err));
        QVERIFY(QFileInfo(pdf).size() > 20000);
        QVERIFY(QFileInfo::exists(m_dir.filePath("report.metrics.json")));
        const Outcome baseline = runCli(
            {"baseline", test::demoDataset(), "--method", "rf", "--out", m_dir.filePath("base")});
        QVERIFY2(baseline.exitCode == 0, qPrintable(baseline.err));
        QVERIFY(baseline.out.contains("random forest (32x32 pixels)"));
        const Outcome compared =
            runCli({"compare", run, m_dir.filePath("base-random-forest"), "--json"});
        QVERIFY2(compared.exitCode == 0, qPrintable(compared.err));
        const QJsonArray both = QJsonDocument::fromJson(compared.out.toUtf8()).array();
        QCOMPARE(both.size(), 2);
        QVERIFY(both[1].toObject()["metrics"].toObject()["roc_auc"].toObject()["value"].toDouble() >
                0.5);
        const Outcome notEvaluated = runCli({"compare", m_dir.filePath("no-such-folder")});
        QVERIFY(notEvaluated.exitCode == 1);

        const QString overlay = m_dir.filePath("overlay.png");
        const Outcome explained = runCli({"explain", run, firstDemoImage(), "--out", overlay,
                                          "--colormap", "inferno", "--device", "cpu"});
        QVERIFY2(explained.exitCode == 0, qPrintable(explained.err));
        QVERIFY(explained.out.contains("probability"));
        QVERIFY(explained.out.contains("small-cnn"));
        const QImage image(overlay);
        QCOMPARE(image.size(), QSize(224, 224));
        QVERIFY(!image.allGray());

        // predict: the decision with probability, threshold and model, for files and folders.
        const Outcome predicted =
            runCli({"predict", run, firstDemoImage(), "--json", "--device", "cpu"});
        QVERIFY2(predicted.exitCode == 0, qPrintable(predicted.err));
        const QJsonArray predictions = QJsonDocument::fromJson(predicted.out.toUtf8()).array();
        QCOMPARE(predictions.size(), 1);
        QVERIFY(predictions[0].toObject()["probability"].toDouble() > 0);
        QVERIFY(predictions[0].toObject()["model"].toString().contains("small-cnn"));
        // The card's threshold, chosen on validation when training ended, is the one shown.
        const QJsonObject first = predictions[0].toObject();
        QVERIFY(first["prediction"].toString().contains(
            QStringLiteral("threshold %1").arg(first["threshold"].toDouble(), 0, 'f', 2)));
        QVERIFY(first.contains("ood") && first["ood_score"].isDouble() &&
                first.contains("ood_reason"));

        const Outcome augmented =
            runCli({"predict", run, firstDemoImage(), "--json", "--tta", "--device", "cpu"});
        QVERIFY2(augmented.exitCode == 0, qPrintable(augmented.err));
        QVERIFY(QJsonDocument::fromJson(augmented.out.toUtf8())
                    .array()[0]
                    .toObject()["probability"]
                    .toDouble() != first["probability"].toDouble());

        // An image no chest model was trained on: the warning comes before the prediction.
        const Outcome ct =
            runCli({"predict", run, test::dicomFile("CT_small.dcm"), "--device", "cpu"});
        QVERIFY2(ct.exitCode == 0, qPrintable(ct.err));
        QVERIFY2(ct.out.contains("Outside what this model was trained on: modality CT"),
                 qPrintable(ct.out));
        QVERIFY(ct.out.indexOf("Outside what") < ct.out.indexOf("detected"));
        const Outcome ctJson =
            runCli({"predict", run, test::dicomFile("CT_small.dcm"), "--json", "--device", "cpu"});
        const QJsonObject ctResult =
            QJsonDocument::fromJson(ctJson.out.toUtf8()).array()[0].toObject();
        QVERIFY(ctResult["ood"].toBool());
        QVERIFY(ctResult["ood_reason"].toString().contains("modality CT"));
        // Site calibration: refitted on the sample's val split into a new folder, evaluated on
        // its test split; the original card is untouched.
        const QString siteModel = m_dir.filePath("site-model");
        const QByteArray cardBefore = [&] {
            QFile card(run + "/model/model.json");
            return card.open(QIODevice::ReadOnly) ? card.readAll() : QByteArray();
        }();
        const Outcome calibrated =
            runCli({"calibrate", run, test::demoDataset(), "--out", siteModel, "--operating-point",
                    "youden", "--bootstrap", "50", "--device", "cpu"});
        QVERIFY2(calibrated.exitCode == 0, qPrintable(calibrated.err));
        QVERIFY2(calibrated.out.contains("Fitted on 30 images of site sample demo (val)") &&
                     calibrated.out.contains("50 images"),
                 qPrintable(calibrated.out));
        QFile siteCard(siteModel + "/model/model.json");
        QVERIFY(siteCard.open(QIODevice::ReadOnly));
        const QJsonObject siteJson = QJsonDocument::fromJson(siteCard.readAll()).object();
        QCOMPARE(siteJson["calibration"].toObject()["images"].toInt(), 30);
        QVERIFY(!siteJson["calibration"].toObject()["fitted_at"].toString().isEmpty());
        QCOMPARE(siteJson["operating_point"].toObject()["rule"].toString(),
                 QStringLiteral("youden"));
        QFile cardAfter(run + "/model/model.json");
        QVERIFY(cardAfter.open(QIODevice::ReadOnly));
        QCOMPARE(cardAfter.readAll(), cardBefore);
        const Outcome occupied =
            runCli({"calibrate", run, test::demoDataset(), "--out", siteModel});
        QVERIFY(occupied.exitCode == 1 && occupied.err.contains("not empty"));
        // A sample whose fitting split holds one class cannot place a threshold or a bias, even
        // with a fixed threshold rule: refused, naming the sample.
        QString oneClass = "path,label,split\n";
        for (const QString &split : {QStringLiteral("val"), QStringLiteral("train")}) {
            const QString folder =
                test::demoDataset() + "/" + split + (split == "val" ? "/PNEUMONIA" : "/NORMAL");
            for (const QString &file : QDir(folder).entryList(QDir::Files).mid(0, 5)) {
                oneClass += folder + "/" + file + (split == "val" ? ",PNEUMONIA," : ",NORMAL,") +
                            split + "\n";
            }
        }
        const QString oneClassManifest = m_dir.filePath("one-class.csv");
        QVERIFY(test::writeFile(oneClassManifest, oneClass.toUtf8()));
        const Outcome refused =
            runCli({"calibrate", run, oneClassManifest, "--out", m_dir.filePath("one-class-model"),
                    "--operating-point", "fixed:0.5", "--device", "cpu"});
        QVERIFY2(refused.exitCode == 1 &&
                     refused.err.contains(
                         "one-class.csv: the 'val' split holds images of one class only"),
                 qPrintable(refused.err));
        QVERIFY(!QFileInfo::exists(m_dir.filePath("one-class-model")));

        // A recipe fills in what the command line leaves out; what it gives wins.
        const QString recipeRun = m_dir.filePath("recipe");
        const Outcome recipe =
            runCli({"train", test::demoDataset(), "--out", recipeRun, "--recipe", "recommended",
                    "--epochs", "1", "--input-size", "64", "--device", "cpu"});
        QVERIFY2(recipe.exitCode == 0, qPrintable(recipe.err));
        QFile recipeConfig(recipeRun + "/config.json");
        QVERIFY(recipeConfig.open(QIODevice::ReadOnly));
        const QJsonObject config = QJsonDocument::fromJson(recipeConfig.readAll()).object();
        QCOMPARE(config["epochs"].toInt(), 1);
        QCOMPARE(config["select_epoch_by"].toString(), QStringLiteral("val_auc"));
        QCOMPARE(config["balance"].toString(), QStringLiteral("weighted-loss"));
        QCOMPARE(config["model"].toObject()["normalisation"].toString(),
                 QStringLiteral("equalise"));
        QVERIFY(config["label_smoothing"].toDouble() > 0 &&
                config["weight_average_decay"].toDouble() > 0);
        // Runs with other inputs cannot form an ensemble; the message names the member.
        const Outcome mismatched =
            runCli({"ensemble", run, recipeRun, "--out", m_dir.filePath("mixed")});
        QVERIFY(mismatched.exitCode == 1);
        QVERIFY2(mismatched.err.contains(recipeRun) &&
                     mismatched.err.contains("members must match"),
                 qPrintable(mismatched.err));
        const Outcome unknownRecipe = runCli(
            {"train", test::demoDataset(), "--out", m_dir.filePath("never"), "--recipe", "magic"});
        QVERIFY(unknownRecipe.exitCode == 1 && unknownRecipe.err.contains("--recipe magic"));
        const Outcome badRule =
            runCli({"train", test::demoDataset(), "--out", m_dir.filePath("never"),
                    "--operating-point", "sensitivity:2"});
        QVERIFY(badRule.exitCode == 1);
        QVERIFY2(badRule.err.contains("operating point 'sensitivity:2'"), qPrintable(badRule.err));

        // explain with every method, a chosen layer and class, and faithfulness as JSON.
        const Outcome plusPlus =
            runCli({"explain", run, firstDemoImage(), "--out", overlay, "--method", "gradcam++",
                    "--layer", "block3", "--target", "PNEUMONIA", "--contours", "--faithfulness",
                    "--json", "--device", "cpu"});
        QVERIFY2(plusPlus.exitCode == 0, qPrintable(plusPlus.err));
        const QJsonObject cam = QJsonDocument::fromJson(plusPlus.out.toUtf8()).object();
        QCOMPARE(cam["method"].toString(), QString("Grad-CAM++"));
        QCOMPARE(cam["layer"].toString(), QString("block3"));
        QCOMPARE(cam["explained_class"].toInt(), 1);
        QVERIFY(cam.contains("faithfulness") || cam["flat"].toBool());
        const Outcome eigen =
            runCli({"explain", run, firstDemoImage(), "--out", overlay, "--method", "eigencam",
                    "--scale", "absolute:0.5", "--device", "cpu"});
        QVERIFY2(eigen.exitCode == 0 && eigen.out.contains("Eigen-CAM"), qPrintable(eigen.err));

        // A batch over a dataset split: predictions.csv and one overlay per image; a second run
        // with the same settings keeps them, every column as it was (the guard's too).
        const QString batch = m_dir.filePath("batch");
        const Outcome batched = runCli({"explain", run, "--dataset", test::demoDataset(), "--split",
                                        "test", "--out-dir", batch, "--device", "cpu"});
        QVERIFY2(batched.exitCode == 0, qPrintable(batched.err));
        QVERIFY(batched.out.startsWith("50 images"));
        QCOMPARE(QDir(batch + "/overlays").entryList(QDir::Files).size(), 50);
        const QByteArray firstCsv = test::readFile(batch + "/predictions.csv");
        const auto firstRow = splitCsvLine(firstCsv.split('\n').at(1).toStdString());
        QVERIFY(firstRow.size() >= 11 && !firstRow[9].empty()); // the guard's score is there
        const Outcome again = runCli({"explain", run, "--dataset", test::demoDataset(), "--out-dir",
                                      batch, "--device", "cpu"});
        QVERIFY2(again.out.contains("50 kept from the earlier run"), qPrintable(again.out));
        QCOMPARE(test::readFile(batch + "/predictions.csv"), firstCsv);
        const Outcome otherLayer =
            runCli({"explain", run, "--dataset", test::demoDataset(), "--out-dir", batch, "--layer",
                    "block2", "--device", "cpu"});
        QVERIFY(otherLayer.exitCode == 1 && otherLayer.err.contains("other settings"));

        // The result as DICOM in the source's study: a structured report, the overlay as a
        // secondary capture and the map as a parametric map; a JPEG has no study to put them in.
        const QString report = m_dir.filePath("result-sr.dcm");
        const QString capture = m_dir.filePath("result-sc.dcm");
        const QString map = m_dir.filePath("result-pmap.dcm");
        const QString chest = test::dicomFile("chest_cr_mono2.dcm");
        const Outcome dicomResults = runCli({"predict", run, chest, "--dicom-sr", report,
                                             "--dicom-sc", capture, "--device", "cpu"});
        QVERIFY2(dicomResults.exitCode == 0, qPrintable(dicomResults.err));
        QVERIFY(QFile::exists(report) && QFile::exists(capture));
        const Outcome captureInfo = runCli({"info", capture, "--json"});
        QVERIFY2(captureInfo.out.contains("\"channels\": 3"), qPrintable(captureInfo.out));
        const Outcome mapped = runCli({"explain", run, chest, "--out", m_dir.filePath("cr.png"),
                                       "--dicom-pmap", map, "--device", "cpu"});
        QVERIFY2(mapped.exitCode == 0, qPrintable(mapped.err));
        QCOMPARE(test::dicomAttribute(map, DCM_SOPClassUID), std::string(UID_ParametricMapStorage));
        QCOMPARE(test::dicomAttribute(map, DCM_Rows), test::dicomAttribute(chest, DCM_Rows));
        QCOMPARE(test::dicomAttribute(map, DCM_Columns), test::dicomAttribute(chest, DCM_Columns));
        // --send stores the three in the source's study on the PACS (Orthanc on loopback).
        if (!test::OrthancServer::executable().isEmpty()) {
            test::OrthancServer orthanc;
            const QString started = orthanc.start();
            QVERIFY2(started.isEmpty(), qPrintable(started));
            const pacs::PacsNode node = orthanc.node();
            const Outcome sent = runCli(
                {"explain", run, chest, "--out", m_dir.filePath("cr.png"), "--send", "--host",
                 QString::fromStdString(node.host), "--port", QString::number(node.port),
                 "--called-aet", QString::fromStdString(node.calledAeTitle), "--device", "cpu"});
            QVERIFY2(sent.exitCode == 0 && sent.err.contains("3 result objects"),
                     qPrintable(sent.err));
            pacs::QueryFilter inStudy;
            inStudy.studyInstanceUid = test::dicomAttribute(chest, DCM_StudyInstanceUID);
            auto series = pacs::find(node, pacs::QueryLevel::Series, inStudy);
            QVERIFY(series.ok());
            QCOMPARE(series->matches.size(), std::size_t(3)); // the source was never sent
        }
        const Outcome sendWithoutPacs =
            runCli({"explain", run, chest, "--out", m_dir.filePath("cr.png"), "--send"});
        QVERIFY2(sendWithoutPacs.exitCode == 2 && sendWithoutPacs.err.contains("--host"),
                 qPrintable(sendWithoutPacs.err));
        const Outcome severalImages =
            runCli({"explain", run, test::sourcePath("tests/data/dicom"), "--out-dir",
                    m_dir.filePath("several"), "--dicom-pmap", map});
        QVERIFY2(severalImages.exitCode == 1 &&
                     severalImages.err.contains("write one image's results"),
                 qPrintable(severalImages.err));
        const Outcome fromJpeg = runCli({"predict", run, firstDemoImage(), "--dicom-sr",
                                         m_dir.filePath("jpeg-sr.dcm"), "--device", "cpu"});
        QVERIFY2(fromJpeg.exitCode == 1 && fromJpeg.err.contains("need a DICOM source"),
                 qPrintable(fromJpeg.err));
        QVERIFY(!QFile::exists(m_dir.filePath("jpeg-sr.dcm")));
    }

    // `cxr explain --out-dir --send`: each DICOM image's results go to the PACS and the pacs
    // column says so; a JPEG is predicted and not sent. With the PACS down it exits 3 (problems
    // found) and gives up after three failures in a row; a second run sends only what the first
    // did not, and a run without --send says nothing of the PACS.
    void explainBatchSendsEachDicomResult()
    {
        if (test::OrthancServer::executable().isEmpty()) {
            QSKIP("Orthanc is not installed (Debian package orthanc)");
        }
        const QString run = m_dir.filePath("run"); // trained by trainEvaluateExplain
        const QString images = m_dir.filePath("pacs-batch");
        QVERIFY(QDir().mkpath(images));
        for (const char *name : {"a.dcm", "b.dcm", "c.dcm", "d.dcm"}) {
            QVERIFY(QFile::copy(test::dicomFile("chest_cr_mono2.dcm"), images + '/' + name));
        }
        QVERIFY(QFile::copy(firstDemoImage(), images + "/e.jpeg"));
        const QString results = m_dir.filePath("pacs-batch-results");
        const auto batchTo = [&](const pacs::PacsNode &node) {
            return runCli({"explain", run, images, "--out-dir", results, "--send", "--host",
                           QString::fromStdString(node.host), "--port", QString::number(node.port),
                           "--called-aet", QString::fromStdString(node.calledAeTitle), "--timeout",
                           "5", "--device", "cpu"});
        };
        const auto pacsColumn = [&] {
            QStringList column;
            const QStringList lines =
                QString::fromUtf8(test::readFile(results + "/predictions.csv")).split('\n');
            for (const QString &line : lines.mid(1)) {
                if (!line.isEmpty()) {
                    column << QString::fromStdString(splitCsvLine(line.toStdString()).back());
                }
            }
            return column;
        };

        test::OrthancServer orthanc;
        QVERIFY2(orthanc.start().isEmpty(), "Orthanc did not start");
        pacs::PacsNode down = orthanc.node();
        down.port = test::freeLoopbackPort(); // nobody listens there
        const Outcome failed = batchTo(down);
        QVERIFY2(failed.exitCode == 3 && failed.out.contains("0 results stored"),
                 qPrintable(failed.out + failed.err));
        QStringList column = pacsColumn();
        QCOMPARE(column.size(), 5);
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(column[i].startsWith("not sent: "), qPrintable(column[i]));
        }
        QVERIFY2(column[3].contains("the last 3 sends failed"), qPrintable(column[3]));
        QCOMPARE(column[4], QString()); // the JPEG

        const Outcome sent = batchTo(orthanc.node());
        QVERIFY2(sent.exitCode == 0 && sent.out.contains("4 results stored") &&
                     sent.out.contains("(4 by this run)") &&
                     sent.out.contains("1 kept from the earlier run"),
                 qPrintable(sent.out + sent.err));
        const QString stored =
            QString::fromStdString("stored on " + pacs::describe(orthanc.node()));
        QCOMPARE(pacsColumn(), (QStringList{stored, stored, stored, stored, ""}));
        pacs::QueryFilter inStudy;
        inStudy.studyInstanceUid =
            test::dicomAttribute(test::dicomFile("chest_cr_mono2.dcm"), DCM_StudyInstanceUID);
        auto series = pacs::find(orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(series.ok());
        QCOMPARE(series->matches.size(), std::size_t(4 * 3)); // report, overlay, map each

        const Outcome again = batchTo(orthanc.node()); // nothing left to send
        QVERIFY2(again.exitCode == 0 && again.out.contains("5 kept from the earlier run") &&
                     again.out.contains("(0 by this run)"),
                 qPrintable(again.out + again.err));
        const Outcome notSending = runCli({"explain", run, images, "--out-dir", results});
        QVERIFY2(notSending.exitCode == 0 && !notSending.out.contains("stored"),
                 qPrintable(notSending.out + notSending.err));
    }

    // cxr tune: a bad space is refused naming the field, a parameter that is no train option
    // before anything trains; a small study writes its trials as run folders and reports.
    void tuneRunsAndReports()
    {
        const QString badRange = m_dir.filePath("bad-range.json");
        QVERIFY(test::writeFile(badRange, R"({"lr": {"log_uniform": [0.1, 0.001]}})"));
        const Outcome refused = runCli({"tune", test::demoDataset(), "--out",
                                        m_dir.filePath("study-bad"), "--space", badRange});
        QVERIFY2(refused.exitCode == 1 && refused.err.contains("lr: log_uniform needs"),
                 qPrintable(refused.err));
        const QString misspelt = m_dir.filePath("misspelt.json");
        QVERIFY(test::writeFile(misspelt, R"({"learning-rate": {"log_uniform": [1e-4, 1e-2]}})"));
        const Outcome unknown = runCli({"tune", test::demoDataset(), "--out",
                                        m_dir.filePath("study-bad"), "--space", misspelt});
        QVERIFY2(unknown.exitCode == 1 && unknown.err.contains("--learning-rate"),
                 qPrintable(unknown.err));
        QVERIFY(!QFile::exists(m_dir.filePath("study-bad/trial-001")));

        const QString study = m_dir.filePath("study");
        const Outcome tuned =
            runCli({"tune", test::demoDataset(), "--out", study, "--trials", "2", "--epochs", "1",
                    "--sampler", "random", "--", "--input-size", "64", "--device", "cpu"});
        QVERIFY2(tuned.exitCode == 0 && tuned.out.contains("Best: trial"), qPrintable(tuned.err));
        QVERIFY(QFile::exists(study + "/trial-002/model/model.json"));
        QFile csv(study + "/study.csv");
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(QString(csv.readAll()).count('\n'), 3);
        const Outcome report = runCli({"tune", "--report", study, "--json"});
        QVERIFY2(report.exitCode == 0, qPrintable(report.err));
        const QJsonObject j = QJsonDocument::fromJson(report.out.toUtf8()).object();
        QCOMPARE(j["trials"].toInt(), 2);
        QCOMPARE(j["test_split_read"].toBool(true), false);
        QVERIFY(j["best"].toObject()["params"].toObject().contains("lr"));
        const Outcome resumed = runCli({"tune", "--resume", study});
        QVERIFY2(resumed.exitCode == 0 && !resumed.out.contains("Trial 1 of"),
                 qPrintable(resumed.out)); // nothing left to run
    }

    // A letterboxed model explains a non-square DICOM: the overlay keeps the image's size.
    void letterboxModelExplainsNonSquareImage()
    {
        const QString run = m_dir.filePath("letterbox");
        const Outcome trained =
            runCli({"train", test::demoDataset(), "--epochs", "1", "--input-size", "64", "--resize",
                    "letterbox", "--device", "cpu", "--out", run});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        QFile card(run + "/model/model.json");
        QVERIFY(card.open(QIODevice::ReadOnly));
        const QJsonObject input =
            QJsonDocument::fromJson(card.readAll()).object()["input"].toObject();
        QCOMPARE(input["resize"].toString(), QString("letterbox"));
        QCOMPARE(input["interpolation"].toString(), QString("area"));
        const QString overlay = m_dir.filePath("wide.png");
        const Outcome explained = runCli({"explain", run, test::dicomFile("JPEG-lossy.dcm"),
                                          "--out", overlay, "--device", "cpu"});
        QVERIFY2(explained.exitCode == 0, qPrintable(explained.err));
        QCOMPARE(QImage(overlay).size(), QSize(256, 1024));
    }

    // Cross-validation: two folds trained and evaluated on the patients each never saw, a summary
    // with mean and sd; running it again keeps the finished folds instead of training them anew.
    void crossValidationOverPatientFolds()
    {
        const QString folder = m_dir.filePath("cv");
        const QStringList arguments = {
            "train", test::demoDataset(), "--folds", "2",     "--epochs", "1", "--input-size",
            "32",    "--device",          "cpu",     "--out", folder};
        const Outcome first = runCli(arguments);
        QVERIFY2(first.exitCode == 0, qPrintable(first.err));
        QVERIFY(first.out.contains("Fold 2 of 2"));
        QVERIFY(first.out.contains("mean +- sd over 2 folds: roc_auc"));
        QFile summary(folder + "/crossval.json");
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const QJsonObject json = QJsonDocument::fromJson(summary.readAll()).object();
        QCOMPARE(json["folds"].toInt(), 2);
        QCOMPARE(json["test_split_used"].toBool(), false);
        const QJsonArray folds = json["per_fold"].toArray();
        QCOMPARE(folds.size(), 2);
        QCOMPARE(folds[0].toObject()["held_out_images"].toInt() +
                     folds[1].toObject()["held_out_images"].toInt(),
                 150); // the demo's train and val images, each held out once; test never used
        const double auc = json["mean_sd"].toObject()["roc_auc"].toObject()["mean"].toDouble();
        QVERIFY(auc >= 0 && auc <= 1);
        QVERIFY(QFile::exists(folder + "/fold-1/evaluations/holdout/predictions.csv"));

        const Outcome again = runCli(arguments);
        QVERIFY2(again.exitCode == 0, qPrintable(again.err));
        QCOMPARE(again.out.count("(trained earlier)"), 2);
        QVERIFY(first.out.contains("train loss") && !again.out.contains("train loss"));
        const Outcome withResume = runCli({"train", "--folds", "2", "--resume", folder});
        QVERIFY(withResume.exitCode != 0 && withResume.err.contains("--folds and --resume"));
    }

    // Carve a patient-disjoint validation split into a manifest, then train from the manifest.
    void splitThenTrainFromManifest()
    {
        const QString manifest = m_dir.filePath("split.csv");
        const Outcome split = runCli({"split", test::demoDataset(), "--val-fraction", "0.2",
                                      "--seed", "3", "--out", manifest});
        QVERIFY2(split.exitCode == 0, qPrintable(split.err));
        QVERIFY(split.out.contains("moved 24 images"));
        QVERIFY(split.out.contains("patients in more than one split: 0"));

        const Outcome scanned = runCli({"scan", manifest, "--json"});
        QCOMPARE(scanned.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(scanned.out.toUtf8()).object();
        QCOMPARE(json["layout"].toString(), QString("manifest"));
        QCOMPARE(json["splits"].toObject()["val"].toObject()["total"].toInt(), 54);
        QCOMPARE(json["leakage"].toObject()["patients_in_several_splits"].toArray().size(), 0);

        const Outcome trained =
            runCli({"train", manifest, "--epochs", "1", "--input-size", "64", "--device", "cpu",
                    "--out", m_dir.filePath("from-manifest")});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        QVERIFY(trained.out.contains("on 96 images (54 validation)"));

        const Outcome again = runCli({"split", test::demoDataset(), "--out", manifest});
        QCOMPARE(again.exitCode, 1); // refuses to overwrite
        QVERIFY(again.err.contains("--overwrite"));
    }

    void killedRunResumesExactly()
    {
        // An uninterrupted deterministic run, and the same run killed with SIGKILL after its
        // first epoch and resumed: the epochs after the kill must match the uninterrupted ones.
        const QStringList common = {"train",
                                    test::demoDataset(),
                                    "--epochs",
                                    "3",
                                    "--input-size",
                                    "64",
                                    "--batch",
                                    "16",
                                    "--device",
                                    "cpu",
                                    "--deterministic",
                                    "--augment",
                                    "thesis",
                                    "--schedule",
                                    "plateau",
                                    "--plateau-patience",
                                    "0",
                                    "--no-cache"};
        const QString whole = m_dir.filePath("whole");
        const Outcome uninterrupted = runCli(common + QStringList{"--out", whole});
        QVERIFY2(uninterrupted.exitCode == 0, qPrintable(uninterrupted.err));

        const QString killed = m_dir.filePath("killed");
        QProcess process;
        process.start(QStringLiteral(CXR_CLI_PATH), common + QStringList{"--out", killed});
        QVERIFY(process.waitForStarted());
        QFile metrics(killed + "/metrics.csv");
        QVERIFY(QTest::qWaitFor([&metrics] { return metrics.exists(); }, 120000));
        process.kill(); // SIGKILL: no chance to clean up
        QVERIFY(process.waitForFinished());
        QVERIFY(process.exitStatus() == QProcess::CrashExit || process.exitCode() != 0);

        const Outcome resumed = runCli({"train", "--resume", killed});
        QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.err));
        QVERIFY2(resumed.out.contains("resumed after epoch"), qPrintable(resumed.out));
        auto rows = [](const QString &file) {
            QFile f(file);
            f.open(QIODevice::ReadOnly);
            QStringList lines = QString::fromUtf8(f.readAll()).split('\n', Qt::SkipEmptyParts);
            QStringList kept; // every column but the timings
            for (const QString &line : lines) {
                kept << line.section(',', 0, 6);
            }
            return kept;
        };
        const QStringList expected = rows(whole + "/metrics.csv");
        QCOMPARE(expected.size(), 4); // header and three epochs
        QCOMPARE(rows(killed + "/metrics.csv"), expected);

        const Outcome again = runCli({"train", "--resume", m_dir.filePath("no-such-run")});
        QCOMPARE(again.exitCode, 1);
        QVERIFY(again.err.contains("not a run folder"));
    }

    void torchvisionWeightsRoundTripThroughPython()
    {
        // Python saves torchvision's ResNet-18 (random weights: no download), cxr trains from
        // it and exports, and torchvision loads the export strictly.
        QString python;
        for (const QString &candidate :
             {QStringLiteral("python3"), QStringLiteral("/usr/bin/python3")}) {
            QProcess probe;
            probe.start(candidate, {"-c", "import torch, torchvision"});
            if (probe.waitForFinished(60000) && probe.exitStatus() == QProcess::NormalExit &&
                probe.exitCode() == 0) {
                python = candidate;
                break;
            }
        }
        if (python.isEmpty()) {
            QSKIP(
                "no Python with torch and torchvision (Debian: python3-torch python3-torchvision)");
        }
        auto runPython = [&python](const QString &code) {
            QProcess process;
            process.start(python, {"-c", code});
            process.waitForFinished(120000);
            return QString::fromUtf8(process.readAllStandardOutput() +
                                     process.readAllStandardError());
        };
        const QString imported = m_dir.filePath("resnet18-torchvision.pt");
        const QString exported = m_dir.filePath("resnet18-cxr.pt");
        runPython(
            QStringLiteral("import torch, torchvision; torch.manual_seed(0); "
                           "torch.save(dict(torchvision.models.resnet18().state_dict()), '%1')")
                .arg(imported));
        QVERIFY(QFile::exists(imported));
        const QString run = m_dir.filePath("resnet18-run");
        const Outcome trained =
            runCli({"train", test::demoDataset(), "--model", "resnet18", "--channels", "3",
                    "--input-size", "64", "--epochs", "1", "--pretrained", imported,
                    "--freeze-features", "--device", "cpu", "--no-cache", "--out", run});
        QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        QVERIFY2(trained.out.contains("imported 120 tensors"), qPrintable(trained.out));
        QVERIFY(trained.out.contains("skipped fc.weight"));
        const Outcome written = runCli({"export", run, "--out", exported});
        QVERIFY2(written.exitCode == 0, qPrintable(written.err));
        const QString check =
            runPython(QStringLiteral("import torch, torchvision\n"
                                     "m = torchvision.models.resnet18(num_classes=1)\n"
                                     "m.load_state_dict(torch.load('%1'))\n"
                                     "ref = torch.load('%2')\n"
                                     "print('frozen', torch.equal(m.layer3[1].conv2.weight, "
                                     "ref['layer3.1.conv2.weight']))\n")
                          .arg(exported, imported));
        QVERIFY2(check.contains("frozen True"), qPrintable(check));
    }

    void augmentWritesAGrid()
    {
        const QString grid = m_dir.filePath("grid.png");
        const Outcome o = runCli({"augment", firstDemoImage(), "--preset", "thesis", "--n", "8",
                                  "--seed", "1", "--size", "64", "--out", grid});
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        QCOMPARE(QImage(grid).size(), QSize(3 * 64, 3 * 64)); // 1 + 8 tiles, 3 x 3
        const Outcome again = runCli({"augment", firstDemoImage(), "--n", "8", "--seed", "1",
                                      "--size", "64", "--out", m_dir.filePath("grid2.png")});
        QCOMPARE(QImage(grid), QImage(m_dir.filePath("grid2.png"))); // seeded
        const Outcome unknown =
            runCli({"augment", firstDemoImage(), "--preset", "fancy", "--out", grid});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY(unknown.err.contains("unknown augmentation preset 'fancy'"));
        const Outcome changed = runCli({"augment", firstDemoImage(), "--set", "rotation.p=1",
                                        "--set", "rotation.max_degrees=20", "--n", "8", "--seed",
                                        "1", "--size", "64", "--out", m_dir.filePath("grid3.png")});
        QVERIFY2(changed.exitCode == 0, qPrintable(changed.err));
        QVERIFY(QImage(grid) != QImage(m_dir.filePath("grid3.png")));
    }

    void infoHidesPatientUnlessAsked()
    {
        const QString file = test::dicomFile("chest_cr_mono1.dcm");
        const Outcome hidden = runCli({"info", file, "--json"});
        QCOMPARE(hidden.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(hidden.out.toUtf8()).object();
        QCOMPARE(json["photometric"].toString(), QString("MONOCHROME1"));
        QCOMPARE(json["inverted"].toBool(), true);
        QVERIFY(!json.contains("patient"));
        QVERIFY(json["applied"].toArray().size() >= 2);
        const Outcome shown = runCli({"info", file, "--json", "--show-patient"});
        QVERIFY(QJsonDocument::fromJson(shown.out.toUtf8()).object().contains("patient"));
    }

    void convertWritesTheDisplayedImage()
    {
        const QString out = m_dir.filePath("ct.png");
        const Outcome o =
            runCli({"convert", test::dicomFile("CT_small.dcm"), out, "--window", "40", "400"});
        QVERIFY2(o.exitCode == 0, qPrintable(o.err));
        const QImage image(out);
        QCOMPARE(image.size(), QSize(128, 128));
        QCOMPARE(image.format(), QImage::Format_Grayscale8);
    }

    void badInput_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("expected");
        const QString d = m_dir.path();
        QTest::newRow("missing folder")
            << QStringList{"scan", d + "/absent"} << 1 << "absent: folder not found";
        QTest::newRow("empty folder")
            << QStringList{"scan", d + "/empty"} << 1 << "no class folders";
        QTest::newRow("no class folders")
            << QStringList{"scan", d + "/flat"} << 1 << "no class folders";
        QTest::newRow("corrupt jpeg")
            << QStringList{"scan", d + "/corrupt"} << 3 << "broken.jpeg: truncated JPEG";
        QTest::newRow("non-image")
            << QStringList{"scan", d + "/corrupt"} << 3 << "notes.txt: not an image";
        QTest::newRow("explain non-image")
            << QStringList{"explain", d + "/run", d + "/corrupt/A/notes.txt", "--out", d + "/x.png"}
            << 1 << "notes.txt: not an image";
        QTest::newRow("explain corrupt jpeg")
            << QStringList{"explain", d + "/run", d + "/corrupt/A/broken.jpeg", "--out",
                           d + "/x.png"}
            << 1 << "broken.jpeg: truncated JPEG";
        QTest::newRow("unwritable run folder")
            << QStringList{"train", test::demoDataset(), "--epochs", "1", "--out", d + "/afile/run"}
            << 1 << "afile/run";
        QTest::newRow("explain unknown layer")
            << QStringList{"explain", d + "/run", firstDemoImage(), "--out", d + "/x.png",
                           "--layer", "fc9"}
            << 1 << "no layer \"fc9\" in this model (it has block1, block2, block3, block4)";
        QTest::newRow("explain unknown class")
            << QStringList{"explain",    d + "/run", firstDemoImage(), "--out",
                           d + "/x.png", "--target", "COVID"}
            << 1 << "--target COVID";
        QTest::newRow("explain folder without out-dir")
            << QStringList{"explain", d + "/run", test::demoDataset()} << 1 << "give --out-dir";
        QTest::newRow("predict missing model")
            << QStringList{"predict", d + "/empty", firstDemoImage()} << 1 << "empty";
        QTest::newRow("predict missing image")
            << QStringList{"predict", d + "/run", d + "/none.jpeg"} << 1
            << "none.jpeg: no such file";
        QTest::newRow("explain split missing")
            << QStringList{"explain", d + "/run", "--dataset", test::demoDataset(),
                           "--split", "holdout",  "--out-dir", d + "/b2"}
            << 1 << "no split \"holdout\"";
        QTest::newRow("unwritable overlay")
            << QStringList{"explain", d + "/run", firstDemoImage(), "--out", d + "/afile/o.png"}
            << 1 << "afile/o.png";
        QTest::newRow("train without val")
            << QStringList{"train", d + "/corrupt", "--out", d + "/r2"} << 1 << "no train/ split";
        QTest::newRow("not a run") << QStringList{"evaluate", d + "/empty", test::demoDataset()}
                                   << 1 << "not a run folder";
        QTest::newRow("info missing file")
            << QStringList{"info", d + "/none.dcm"} << 1 << "none.dcm: file not found";
        QTest::newRow("info unsupported dicom")
            << QStringList{"info", test::dicomFile("MR_small_float.dcm")} << 1 << "floating-point";
        const QStringList nowhere{"--host",       "127.0.0.1", "--port",    "9",
                                  "--called-aet", "NOBODY",    "--timeout", "2"};
        QTest::newRow("pacs unreachable") << (QStringList{"pacs", "echo"} + nowhere) << 1
                                          << "cannot reach PACS NOBODY@127.0.0.1:9";
        QTest::newRow("pacs bad level")
            << (QStringList{"pacs", "find", "--level", "frame"} + nowhere) << 1
            << "unknown query level 'frame'";
        QTest::newRow("pacs long ae title")
            << (QStringList{"pacs", "echo", "--calling-aet", "SEVENTEEN-CHARS-X"} + nowhere) << 1
            << "calling AE title must be 1 to 16";
        QTest::newRow("pacs send not DICOM")
            << (QStringList{"pacs", "send", test::sourcePath("README.md")} + nowhere) << 1
            << "README.md: not a readable DICOM file";
        QTest::newRow("pacs send nothing")
            << (QStringList{"pacs", "send", d + "/empty"} + nowhere) << 1 << "no files to send";
        QTest::newRow("convert to unwritable")
            << QStringList{"convert", test::dicomFile("CT_small.dcm"), d + "/afile/ct.png"} << 1
            << "afile/ct.png";
        QTest::newRow("frame out of range")
            << QStringList{"info", test::dicomFile("MR_small.dcm"), "--frame", "2"} << 1
            << "frame 2 does not exist";
        QTest::newRow("unknown resize")
            << QStringList{"train", test::demoDataset(), "--resize", "crop", "--out", d + "/r4"}
            << 1 << "unknown resize 'crop'";
        QTest::newRow("augmentation out of range")
            << QStringList{"augment", firstDemoImage(), "--set", "rotation.max_degrees=90",
                           "--out",   d + "/g.png"}
            << 1 << "rotation.max_degrees) must be between 0 and 30 (got 90)";
        QTest::newRow("unknown augmentation key")
            << QStringList{"train", test::demoDataset(), "--set", "twirl=1", "--out", d + "/r5"}
            << 1 << "--set twirl=1: expected KEY=VALUE";
        QTest::newRow("augmentation not a number")
            << QStringList{"train",  test::demoDataset(), "--set", "hflip.p=half", "--out",
                           d + "/r5"}
            << 1 << "'half' is not a number";
        QTest::newRow("unknown balance")
            << QStringList{"train", test::demoDataset(), "--balance", "smote", "--out", d + "/r5"}
            << 1 << "--balance smote: unknown method";
        QTest::newRow("pretrained missing")
            << QStringList{"train", test::demoDataset(), "--epochs",     "1",     "--input-size",
                           "64",    "--pretrained",      d + "/none.pt", "--out", d + "/r6"}
            << 1 << "none.pt: file not found";
        QTest::newRow("pretrained not a state_dict")
            << QStringList{"train",        test::demoDataset(),
                           "--epochs",     "1",
                           "--input-size", "64",
                           "--pretrained", d + "/corrupt/A/notes.txt",
                           "--out",        d + "/r7"}
            << 1 << "notes.txt: not a state_dict saved by torch.save";
        QTest::newRow("export not a run")
            << QStringList{"export", d + "/empty", "--out", d + "/w.pt"} << 1 << "empty";
        QTest::newRow("export output exists")
            << QStringList{"export", d + "/run", "--out", d + "/exists.csv"} << 1
            << "exists.csv: exists (pass --overwrite";
        QTest::newRow("resume not a run")
            << QStringList{"train", "--resume", d + "/empty"} << 1 << "not a run folder";
        QTest::newRow("bad option value")
            << QStringList{"train", test::demoDataset(), "--epochs", "0", "--out", d + "/r3"} << 1
            << "epochs must be";
        // The exit-code contract: 0 only for a correct result, one line naming the file.
        QTest::newRow("predict name with a line break")
            << QStringList{"predict", d + "/run", d + "/lines/a\nb.jpeg"} << 1
            << "lines/a\\nb.jpeg: not an image";
        QTest::newRow("scan name with a line break")
            << QStringList{"scan", d + "/lines"} << 3 << "problem: " + d + "/lines/A/c\\rd.jpeg: ";
        QTest::newRow("predict folder with a bad file")
            << QStringList{"predict", d + "/run", d + "/corrupt/A"} << 1
            << "broken.jpeg: truncated JPEG";
        QTest::newRow("cache folder unwritable")
            << QStringList{"cache", test::demoDataset(), "--size",
                           "32",    "--cache-dir",       d + "/afile/cache"}
            << 1 << "afile/cache: cannot create the cache folder";
        QTest::newRow("cache lists scan problems")
            << QStringList{"cache", d + "/corrupt", "--size", "32", "--cache-dir", d + "/cache"}
            << 3 << "problem: " + d + "/corrupt/A/broken.jpeg: truncated JPEG";
        QTest::newRow("cache with no cache")
            << QStringList{"cache", test::demoDataset(), "--no-cache"} << 1
            << "--no-cache leaves nothing";
        QTest::newRow("compare threshold out of range")
            << QStringList{"compare", d + "/evals/threshold"} << 1
            << "metrics.json: threshold 7.000000 is not a probability";
        QTest::newRow("compare endless bootstrap")
            << QStringList{"compare", d + "/evals/bootstrap"} << 1
            << "metrics.json: bootstrap samples 2000000000 out of range";
        QTest::newRow("compare damaged metrics") << QStringList{"compare", d + "/evals/damaged"}
                                                 << 1 << "metrics.json: not a saved evaluation";
        QTest::newRow("compare damaged model card")
            << QStringList{"compare", d + "/evals/card"} << 1
            << "card/model/model.json: not a valid model card";
        QTest::newRow("compare no evaluation")
            << QStringList{"compare", d + "/run", "--split", "holdout"} << 1
            << "no saved evaluation of split holdout";
        QTest::newRow("calibrate bootstrap out of range")
            << QStringList{"calibrate", d + "/run", test::demoDataset(),
                           "--split",   "val",      "--bootstrap",
                           "-1",        "--out",    d + "/cal1"}
            << 1 << "--bootstrap must be between 0 and 100000";
        QTest::newRow("calibrate missing manifest")
            << QStringList{"calibrate", d + "/run", d + "/absent.csv", "--out", d + "/cal3"} << 1
            << "absent.csv: manifest file not found";
        QTest::newRow("calibrate missing sample")
            << QStringList{"calibrate", d + "/run", d + "/absent", "--out", d + "/cal2"} << 1
            << "absent: folder not found";
        QTest::newRow("evaluate report unwritable")
            << QStringList{"evaluate", d + "/run", test::demoDataset(), "--report",
                           d + "/afile/r.pdf"}
            << 1 << "afile/r.pdf: cannot write the PDF";
        QTest::newRow("explain infinite scale")
            << QStringList{"explain",    d + "/run", firstDemoImage(), "--out",
                           d + "/x.png", "--scale",  "absolute:inf"}
            << 1 << "the full scale must be a positive finite number";
        QTest::newRow("convert window not finite")
            << QStringList{"convert",    test::dicomFile("CT_small.dcm"),
                           d + "/w.png", "--window",
                           "nan",        "400"}
            << 1 << "--window centre and width must be finite";
        QTest::newRow("info frame of a JPEG")
            << QStringList{"info", firstDemoImage(), "--frame", "2"} << 1
            << "frame 2 does not exist (the image has one frame)";
        QTest::newRow("ensemble of one run twice")
            << QStringList{"ensemble", d + "/run", d + "/run/model", "--out", d + "/ens1"} << 1
            << "the same model is listed twice";
        QTest::newRow("ensemble of one run")
            << QStringList{"ensemble", d + "/run", "--out", d + "/ens2"} << 1
            << "an ensemble needs at least two runs";
        QTest::newRow("split too small for val")
            << QStringList{"split", d + "/corrupt", "--out", d + "/tiny.csv"} << 1
            << "too few training images to carve a validation split";
        QTest::newRow("split lists problem files")
            << QStringList{"split", d + "/problems", "--out", d + "/problems.csv"} << 3
            << "problem: " + d + "/problems/train/A/broken.jpeg: truncated JPEG";
        QTest::newRow("split output exists")
            << QStringList{"split", test::demoDataset(), "--out", d + "/exists.csv"} << 1
            << "exists.csv: exists (pass --overwrite";
        QTest::newRow("baseline split missing")
            << QStringList{"baseline", test::demoDataset(), "--out", d + "/bl", "--split",
                           "holdout",  "--method",          "rf",    "--size",  "8"}
            << 1 << "split 'holdout' is missing or empty";
        QTest::newRow("augment folder as image")
            << QStringList{"augment", d + "/empty", "--out", d + "/g.png"} << 1
            << "empty: not a regular file";
    }

    void badInput()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QString, expected);
        prepareBadInputs();
        const Outcome o = runCli(arguments, 60000);
        QVERIFY2(o.exitCode == exitCode,
                 qPrintable(QString("exit %1: %2").arg(o.exitCode).arg(o.err)));
        QVERIFY2(o.err.contains(expected), qPrintable(o.err));
        QVERIFY2(!o.err.contains("terminate called") && !o.err.contains("Exception raised from"),
                 qPrintable(o.err));
        // The problem is one whole line of cxr's, and no library speaks before it.
        const QStringList lines = o.err.split('\n');
        const auto line = std::find_if(lines.begin(), lines.end(),
                                       [&](const QString &l) { return l.contains(expected); });
        QVERIFY2(line != lines.end() &&
                     (line->startsWith("cxr: ") || line->startsWith("problem: ")),
                 qPrintable(o.err));
        QVERIFY2(!o.err.contains(QRegularExpression("^Q\\w+(::\\w+\\(\\))?: ",
                                                    QRegularExpression::MultilineOption)),
                 qPrintable(o.err));
        // DCMTK's logger ("E: ...", "W: ...") stays quiet too.
        QVERIFY2(
            !o.err.contains(QRegularExpression("^[EWF]: ", QRegularExpression::MultilineOption)),
            qPrintable(o.err));
    }

    // A report that cannot be written fails the command before the evaluation prints a result.
    void evaluateReportUnwritableFailsFirst()
    {
        prepareBadInputs();
        const QString d = m_dir.path();
        const Outcome o = runCli({"evaluate", d + "/run", test::demoDataset(), "--device", "cpu",
                                  "--report", d + "/afile/r.pdf"},
                                 120000);
        QCOMPARE(o.exitCode, 1);
        QVERIFY2(o.out.isEmpty(), qPrintable(o.out));
        QVERIFY2(
            o.err.endsWith("cxr: " + d + "/afile/r.pdf: cannot write the PDF (Not a directory)\n"),
            qPrintable(o.err));
    }

private:
    void prepareBadInputs()
    {
        const QString d = m_dir.path();
        if (QDir(d + "/corrupt").exists()) {
            return;
        }
        QDir().mkpath(d + "/empty");
        QDir().mkpath(d + "/flat");
        QFile::copy(firstDemoImage(), d + "/flat/image.jpeg");
        QDir().mkpath(d + "/corrupt/A");
        QDir().mkpath(d + "/corrupt/B");
        QFile source(firstDemoImage());
        QVERIFY(source.open(QIODevice::ReadOnly));
        const QByteArray bytes = source.readAll();
        QVERIFY(test::writeFile(d + "/corrupt/A/broken.jpeg", bytes.left(bytes.size() / 3)));
        QFile::copy(firstDemoImage(), d + "/corrupt/A/good.jpeg");
        QFile::copy(firstDemoImage(), d + "/corrupt/B/good.jpeg");
        QVERIFY(test::writeFile(d + "/corrupt/A/notes.txt", "radiologist's notes"));
        QVERIFY(test::writeFile(d + "/afile", "x"));
        QVERIFY(test::writeFile(d + "/exists.csv", "path,label\n"));
        // A dataset large enough to split, with one truncated JPEG.
        for (const char *cls : {"A", "B"}) {
            QDir().mkpath(d + "/problems/train/" + cls);
            QDirIterator images(test::demoDataset() + "/train/" +
                                    (cls == QString("A") ? "NORMAL" : "PNEUMONIA"),
                                QDir::Files);
            for (int i = 0; i < 10 && images.hasNext(); ++i) {
                QFile::copy(images.next(),
                            d + "/problems/train/" + cls + "/" + QString::number(i) + ".jpeg");
            }
        }
        QVERIFY(test::writeFile(d + "/problems/train/A/broken.jpeg", bytes.left(bytes.size() / 3)));
        // File names with line breaks.
        QDir().mkpath(d + "/lines/A");
        QDir().mkpath(d + "/lines/B");
        QVERIFY(test::writeFile(d + "/lines/a\nb.jpeg", "x"));
        QFile::copy(firstDemoImage(), d + "/lines/A/good.jpeg");
        QFile::copy(firstDemoImage(), d + "/lines/B/good.jpeg");
        QVERIFY(test::writeFile(d + "/lines/A/c\rd.jpeg", "x"));
        // A run, when this function runs without trainEvaluateExplain before it.
        if (!QFile::exists(d + "/run/model/model.json")) {
            const Outcome trained =
                runCli({"train", test::demoDataset(), "--model", "small-cnn", "--epochs", "1",
                        "--input-size", "32", "--device", "cpu", "--out", d + "/run"});
            QVERIFY2(trained.exitCode == 0, qPrintable(trained.err));
        }
        // Saved evaluations with out-of-range or damaged contents, and a damaged model card.
        QFile card(d + "/run/model/model.json");
        QVERIFY(card.open(QIODevice::ReadOnly));
        const QByteArray cardBytes = card.readAll();
        const QByteArray predictions =
            "file,label,probability\na.jpeg,NORMAL,0.2\nb.jpeg,PNEUMONIA,0.8\n"
            "c.jpeg,NORMAL,0.6\nd.jpeg,PNEUMONIA,0.4\n";
        const std::vector<std::pair<QString, QByteArray>> evaluations = {
            {"threshold", "{\"threshold\": 7}"},
            {"bootstrap", "{\"threshold\": 0.5, \"bootstrap\": {\"samples\": 2000000000}}"},
            {"damaged", "{\"threshold\": 0.5, \"boot"},
            {"card", "{\"threshold\": 0.5}"}};
        for (const auto &[name, metrics] : evaluations) {
            const QString folder = d + "/evals/" + name;
            QVERIFY(QDir().mkpath(folder + "/model") &&
                    QDir().mkpath(folder + "/evaluations/test"));
            QVERIFY(test::writeFile(folder + "/model/model.json",
                                    name == "card" ? QByteArray("{garbage") : cardBytes));
            QVERIFY(test::writeFile(folder + "/evaluations/test/metrics.json", metrics));
            QVERIFY(test::writeFile(folder + "/evaluations/test/predictions.csv", predictions));
        }
    }

    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestCliPipeline)
#include "test_cli_pipeline.moc"
