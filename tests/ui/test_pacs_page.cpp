// SPDX-License-Identifier: MIT
// The PACS page against a real PACS (Orthanc, started by the test): echo, a study search,
// series listed when a study opens, a thumbnail when a series is selected, "Open in Viewer"
// and "Predict and explain" retrieving first (and sending the results back when asked), and a
// wrong AE title shown as such.
#include "core/pacs/pacs_client.h"
#include "core/pipeline/training_job.h"
#include "tests/common/demo_run.h"
#include "tests/common/dicom_attribute.h"
#include "tests/common/orthanc_server.h"
#include "tests/common/test_paths.h"
#include "ui/pacs/pacs_page.h"
#include "ui/pacs/pacs_result_sender.h"
#include "ui/viewer/batch_explain_dialog.h"
#include "ui/viewer/explain_panel.h"
#include "ui/viewer/viewer_page.h"

#include <QCheckBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTreeWidget>

#include <dcmtk/config/osconfig.h>
#include <dcmtk/dcmdata/dcdeftag.h>

using namespace cxr;
using namespace cxr::ui;

class TestPacsPage : public QObject {
    Q_OBJECT

private:
    test::OrthancServer m_orthanc;
    QTemporaryDir m_store;

    void waitForIdle(PacsPage &page)
    {
        QTRY_VERIFY_WITH_TIMEOUT(!page.isBusy(), 30000);
        QCoreApplication::processEvents(); // deliver the finished signal
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // the node list stays out of the user's settings
        if (test::OrthancServer::executable().isEmpty()) {
            QSKIP("Orthanc is not installed (Debian package orthanc)");
        }
        const QString started = m_orthanc.start();
        QVERIFY2(started.isEmpty(), qPrintable(started));
        auto sent =
            pacs::send(m_orthanc.node(), {test::dicomFile("chest_cr_mono2.dcm").toStdString(),
                                          test::dicomFile("CT_small.dcm").toStdString()});
        QVERIFY2(sent.ok(), sent.ok() ? "" : sent.error().message.c_str());
    }

    void searchOpenAndPredict()
    {
        PacsPage page;
        page.setNodes({{QStringLiteral("Test PACS"), m_orthanc.node()}}, false);
        page.setStoreFolder(m_store.path());
        page.show();

        page.echoCurrentNode();
        waitForIdle(page);
        QVERIFY2(page.statusText().contains("answered C-ECHO"), qPrintable(page.statusText()));

        page.patientIdField()->setText(QString::fromStdString(
            test::dicomAttribute(test::dicomFile("chest_cr_mono2.dcm"), DCM_PatientID)));
        page.search();
        waitForIdle(page);
        QTreeWidget *results = page.results();
        QCOMPARE(results->topLevelItemCount(), 1);
        QTreeWidgetItem *study = results->topLevelItem(0);
        QCOMPARE(study->text(3), QStringLiteral("CR"));
        QVERIFY(!study->text(0).isEmpty()); // the patient's name shows here

        study->setExpanded(true); // lists the series
        waitForIdle(page);
        QCOMPARE(study->childCount(), 1);
        results->setCurrentItem(study->child(0)); // fetches its thumbnail
        waitForIdle(page);
        QVERIFY(!study->child(0)->icon(0).isNull());

        QSignalSpy open(&page, &PacsPage::openImageRequested);
        page.openSelectionInViewer();
        waitForIdle(page);
        QCOMPARE(open.count(), 1);
        QVERIFY(open.first().first().toString().startsWith(m_store.path()));
        QVERIFY(QFile::exists(open.first().first().toString()));

        QSignalSpy predict(&page, &PacsPage::predictFoldersRequested);
        results->setCurrentItem(study);
        page.predictSelection();
        waitForIdle(page);
        QCOMPARE(predict.count(), 1);
        const QStringList folders = predict.first().first().toStringList();
        QCOMPARE(folders.size(), 1);
        QVERIFY(QDir(folders.front()).exists());
    }

    // "Predict and explain" on several rows: each study retrieved, a series whose study is also
    // selected only once, and one batch over all their folders.
    void predictsSeveralStudiesAtOnce()
    {
        PacsPage page;
        page.setNodes({{QStringLiteral("Test PACS"), m_orthanc.node()}}, false);
        page.setStoreFolder(m_store.path());
        page.search(); // every study
        waitForIdle(page);
        QTreeWidget *results = page.results();
        QCOMPARE(results->topLevelItemCount(), 2);
        QTreeWidgetItem *first = results->topLevelItem(0);
        first->setExpanded(true);
        waitForIdle(page);
        QCOMPARE(first->childCount(), 1);
        results->clearSelection();
        first->setSelected(true);
        first->child(0)->setSelected(true);
        results->topLevelItem(1)->setSelected(true);
        QSignalSpy predict(&page, &PacsPage::predictFoldersRequested);
        page.predictSelection();
        waitForIdle(page);
        QCOMPARE(predict.count(), 1);
        const QStringList folders = predict.first().first().toStringList();
        QCOMPARE(folders.size(), 2);
        for (const QString &folder : folders) {
            QVERIFY2(!QDir(folder)
                          .entryList(QDir::Files | QDir::AllDirs | QDir::NoDotAndDotDot)
                          .isEmpty(),
                     qPrintable(folder));
        }
        QVERIFY(predict.first().at(1).toString().contains("pacs-results/selection-"));
    }

    void wrongAeTitleIsShown()
    {
        PacsPage page;
        pacs::PacsNode node = m_orthanc.node();
        node.calledAeTitle = "NOT-ORTHANC";
        page.setNodes({{QStringLiteral("Misconfigured"), node}}, false);
        page.echoCurrentNode();
        waitForIdle(page);
        QVERIFY2(page.statusText().contains("rejected the association"),
                 qPrintable(page.statusText()));
    }

    // The loop closed: the Viewer's prediction of a DICOM image goes back into its study as a
    // structured report, a secondary capture and a parametric map, which the PACS then lists as
    // three new series (the map's under the source's modality, as dcmpmap recommends).
    void viewerSendsTheResultIntoTheStudy()
    {
        QTemporaryDir runs;
        auto trained = pipeline::runTrainJob(test::demoTrainJob(runs.filePath("run")));
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message.c_str());
        const QString chest = test::dicomFile("chest_cr_mono2.dcm");
        pacs::QueryFilter inStudy;
        inStudy.studyInstanceUid = test::dicomAttribute(chest, DCM_StudyInstanceUID);
        QVERIFY(!inStudy.studyInstanceUid.empty());
        auto before = pacs::find(m_orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(before.ok());

        ViewerPage page;
        page.explainPanel()->setModel(runs.filePath("run"));
        QSignalSpy loaded(&page, &ViewerPage::imageLoaded);
        page.openImage(chest);
        QVERIFY(loaded.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(!page.explainPanel()->isBusy() &&
                                     page.explainPanel()->prediction() &&
                                     page.explainPanel()->prediction()->cam,
                                 30000);
        QSignalSpy sent(page.resultSender(), &PacsResultSender::finished);
        page.sendResultToPacs(m_orthanc.node());
        QVERIFY(sent.wait(30000));
        QVERIFY2(sent.first().first().toBool(), qPrintable(sent.first().last().toString()));

        auto after = pacs::find(m_orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(after.ok());
        QCOMPARE(after->matches.size(), before->matches.size() + 3);
        QStringList modalities;
        for (const auto &series : after->matches) {
            modalities << QString::fromStdString(series.modality);
        }
        QVERIFY2(modalities.contains("SR") && modalities.contains("OT") &&
                     modalities.count("CR") == 2,
                 qPrintable(modalities.join(',')));
    }

    // "Predict and explain" with "Send the results back": the batch stores each DICOM image's
    // results in its study (three series an image) and says so; unticked, and in the Viewer's
    // own batch, nothing is sent.
    void batchSendsTheResultsBack()
    {
        QTemporaryDir runs;
        auto trained = pipeline::runTrainJob(test::demoTrainJob(runs.filePath("run")));
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message.c_str());
        PacsPage page;
        page.setNodes({{QStringLiteral("Test PACS"), m_orthanc.node()}}, false);
        page.setStoreFolder(m_store.path());
        page.patientIdField()->setText(QString::fromStdString(
            test::dicomAttribute(test::dicomFile("chest_cr_mono2.dcm"), DCM_PatientID)));
        page.search();
        waitForIdle(page);
        QCOMPARE(page.results()->topLevelItemCount(), 1);
        page.results()->setCurrentItem(page.results()->topLevelItem(0));
        QSignalSpy predict(&page, &PacsPage::predictFoldersRequested);
        page.sendResultsBackBox()->setChecked(false);
        page.predictSelection();
        waitForIdle(page);
        page.sendResultsBackBox()->setChecked(true);
        page.predictSelection();
        waitForIdle(page);
        QCOMPARE(predict.count(), 2);
        QVERIFY(!predict.at(0).at(2).value<std::optional<pacs::PacsNode>>().has_value());
        const auto sendTo = predict.at(1).at(2).value<std::optional<pacs::PacsNode>>();
        QVERIFY(sendTo.has_value());
        QCOMPARE(sendTo->port, m_orthanc.node().port);

        pacs::QueryFilter inStudy;
        inStudy.studyInstanceUid =
            test::dicomAttribute(test::dicomFile("chest_cr_mono2.dcm"), DCM_StudyInstanceUID);
        auto before = pacs::find(m_orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(before.ok());
        ViewerPage viewer; // as the main window hands the selection to the Viewer's batch
        viewer.explainPanel()->setModel(runs.filePath("run"));
        BatchExplainDialog *batch = viewer.openBatchDialog();
        batch->setFolderInputs(predict.at(1).at(0).toStringList());
        batch->setOutputFolder(runs.filePath("results"));
        batch->setSendNode(sendTo, true);
        QSignalSpy finished(batch, &BatchExplainDialog::finished);
        batch->start();
        QVERIFY(finished.wait(60000));
        // The study also holds the Viewer's result from viewerSendsTheResultIntoTheStudy: left
        // out, neither predicted nor sent.
        QVERIFY2(batch->statusText().startsWith("1 image by model") &&
                     batch->statusText().contains("1 result stored in ORTHANC@") &&
                     batch->statusText().contains("3 results of CXR Studio's left out") &&
                     !batch->statusText().contains("not sent"),
                 qPrintable(batch->statusText()));
        auto after = pacs::find(m_orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(after.ok());
        QCOMPARE(after->matches.size(), before->matches.size() + 3);

        // The Viewer's batch button: the same dialog, no longer sending.
        Q_EMIT viewer.explainPanel()->batchRequested();
        batch->setOutputFolder(runs.filePath("results-2"));
        batch->start();
        QVERIFY(finished.wait(60000));
        QVERIFY2(!batch->statusText().contains("PACS"), qPrintable(batch->statusText()));
        auto unchanged = pacs::find(m_orthanc.node(), pacs::QueryLevel::Series, inStudy);
        QVERIFY(unchanged.ok());
        QCOMPARE(unchanged->matches.size(), after->matches.size());
    }

    // A PACS that accepts the connection and never answers: the page stays responsive while
    // the call waits, and the call ends at the node's timeout with a message that says so.
    void silentPacsTimesOutWithoutFreezingThePage()
    {
        QTcpServer silent; // connections complete in the kernel's backlog; nothing is read
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        pacs::PacsNode node = m_orthanc.node();
        node.port = silent.serverPort();
        node.timeoutSeconds = 2;
        PacsPage page;
        page.setNodes({{QStringLiteral("Silent"), node}}, false);
        QElapsedTimer clock;
        clock.start();
        page.search();
        QTest::qWait(300);
        QVERIFY(page.isBusy()); // the event loop ran while the call waits
        waitForIdle(page);
        QVERIFY2(clock.elapsed() < 8000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY2(page.statusText().contains("cannot reach PACS"), qPrintable(page.statusText()));
    }
};

QTEST_MAIN(TestPacsPage)
#include "test_pacs_page.moc"
