// SPDX-License-Identifier: MIT
// What makes a prediction trustworthy: the out-of-distribution guard (its statistics on
// synthetic features, and the verdicts on non-chest DICOM, colour pictures and a trained demo
// model), calibration and the operating point recorded in the card, the weights' SHA-256,
// weights that do not fit their card, and outputs that are not a number. Uses core/ml's
// internal (LibTorch) headers, so Qt's keyword macros are off here (QT_NO_KEYWORDS).
#include "core/common/json_text.h"
#include "core/imaging/image_loader.h"
#include "core/imaging/model_input.h"
#include "core/ml/archive_integrity.h"
#include "core/ml/classifier.h"
#include "core/ml/file_digest.h"
#include "core/ml/model_card.h"
#include "core/ml/ood_guard.h"
#include "core/ml/state_dict.h"
#include "core/ml/torch_includes.h"
#include "core/ml/trained_model.h"
#include "core/pipeline/ensemble_job.h"
#include "core/pipeline/evaluation_job.h"
#include "core/pipeline/explain_job.h"
#include "core/pipeline/input_spec.h"
#include "core/pipeline/ood_verdict.h"
#include "tests/common/demo_run.h"
#include "tests/common/test_files.h"
#include "tests/common/test_paths.h"

#include <QTemporaryDir>
#include <QTest>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <fstream>

using namespace cxr;

namespace {

// A zip archive of one record, deflated as LibTorch deflates its source; directoryEntries
// entries (with different names) all point at it, as only a crafted file would.
std::string zipOfOneRecord(const std::string &content, std::uint32_t crc, int directoryEntries)
{
    std::string deflated(compressBound(uLong(content.size())) + 64, '\0');
    z_stream stream{};
    deflateInit2(&stream, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(content.data()));
    stream.avail_in = uInt(content.size());
    stream.next_out = reinterpret_cast<Bytef *>(deflated.data());
    stream.avail_out = uInt(deflated.size());
    deflate(&stream, Z_FINISH);
    deflated.resize(stream.total_out);
    deflateEnd(&stream);
    auto put = [](std::string &out, std::uint64_t value, int bytes) {
        for (int i = 0; i < bytes; ++i) {
            out.push_back(char((value >> (8 * i)) & 0xFF));
        }
    };
    const std::string name = "archive/code/big.py";
    std::string zip;
    put(zip, 0x04034b50, 4);
    put(zip, 20, 2);
    put(zip, 0, 2);
    put(zip, 8, 2); // deflated
    put(zip, 0, 4);
    put(zip, crc, 4);
    put(zip, deflated.size(), 4);
    put(zip, content.size(), 4);
    put(zip, name.size(), 2);
    put(zip, 0, 2);
    zip += name + deflated;
    const std::size_t directoryOffset = zip.size();
    for (int k = 0; k < directoryEntries; ++k) {
        const std::string entryName = k == 0 ? name : name + std::to_string(k);
        put(zip, 0x02014b50, 4);
        put(zip, 20, 2);
        put(zip, 20, 2);
        put(zip, 0, 2);
        put(zip, 8, 2);
        put(zip, 0, 4);
        put(zip, crc, 4);
        put(zip, deflated.size(), 4);
        put(zip, content.size(), 4);
        put(zip, entryName.size(), 2);
        put(zip, 0, 2);
        put(zip, 0, 2);
        put(zip, 0, 2);
        put(zip, 0, 2);
        put(zip, 0, 4);
        put(zip, 0, 4); // every entry at the one record
        zip += entryName;
    }
    const std::size_t directorySize = zip.size() - directoryOffset;
    put(zip, 0x06054b50, 4);
    put(zip, 0, 4);
    put(zip, directoryEntries, 2);
    put(zip, directoryEntries, 2);
    put(zip, directorySize, 4);
    put(zip, directoryOffset, 4);
    put(zip, 0, 2);
    return zip;
}

namespace fs = std::filesystem;

constexpr std::size_t kInputPixels = std::size_t(64) * 64; // the test model's 64 x 64 grey input

// Copies a run's model folder to dir/model and returns it.
fs::path copyModel(const fs::path &run, const QString &dir)
{
    fs::path target = fs::path(dir.toStdString()) / "model";
    fs::create_directories(target);
    fs::copy(run / "model", target,
             fs::copy_options::overwrite_existing | fs::copy_options::recursive);
    return target;
}

// One 64x64 grey model input (levels 0-1) as the 8-bit arrays predict() takes.
ImageArrays oneGreyImage(const std::vector<float> &levels)
{
    ImageArrays arrays;
    arrays.channels = 1;
    arrays.height = arrays.width = 64;
    std::vector<std::uint8_t> bytes;
    bytes.reserve(levels.size());
    for (float v : levels) {
        bytes.push_back(std::uint8_t(std::lround(v * 255)));
    }
    arrays.pixels = PixelBuffer(std::move(bytes));
    arrays.labels = {-1};
    return arrays;
}

nlohmann::json readJson(const fs::path &file)
{
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

void writeJson(const fs::path &file, const nlohmann::json &j)
{
    std::ofstream(file) << j.dump(2);
}

} // namespace

class TestModelTrust : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_run = fs::path(m_dir.filePath("run").toStdString());
        auto trained = pipeline::runTrainJob(test::demoTrainJob(m_dir.filePath("run"), 2));
        QVERIFY2(trained.ok(), trained.ok() ? "" : trained.error().message.c_str());
        m_notes = trained->summary.notes;
    }

    void mahalanobisScoresSeparateFarPoints()
    {
        torch::manual_seed(3);
        const torch::Tensor features = torch::randn({400, 8}, torch::kFloat64);
        const torch::Tensor labels = (torch::arange(400) % 2).to(torch::kInt64);
        auto reference = ml::fitOodReference(features, labels, 2);
        QVERIFY(reference.ok());
        QVERIFY(reference->shrinkage >= 0 && reference->shrinkage <= 1);
        const torch::Tensor inside =
            ml::oodScores(*reference, torch::randn({200, 8}, torch::kFloat64));
        // Standard normal features: squared distance / dimension is about 1.
        QVERIFY2(std::abs(inside.mean().item<double>() - 1.0) < 0.2,
                 "in-distribution scores near 1");
        const torch::Tensor far =
            ml::oodScores(*reference, torch::randn({50, 8}, torch::kFloat64) + 6);
        QVERIFY(far.min().item<double>() > inside.max().item<double>());

        const fs::path file = fs::path(m_dir.filePath("ood.pt").toStdString());
        QVERIFY(ml::saveOodReference(*reference, file).ok());
        auto loaded = ml::loadOodReference(file);
        QVERIFY(loaded.ok());
        QVERIFY(torch::allclose(loaded->precision, reference->precision));
        QVERIFY(test::writeFile(m_dir.filePath("bad.pt"), "not an archive"));
        QVERIFY(!ml::loadOodReference(m_dir.filePath("bad.pt").toStdString()).ok());
        QVERIFY(!ml::fitOodReference(features.slice(0, 0, 1), labels.slice(0, 0, 1), 2).ok());
    }

    void trainingRecordsCalibrationOperatingPointAndGuard()
    {
        auto card = ml::readModelCard(m_run / "model" / "model.json");
        QVERIFY(card.ok());
        QCOMPARE(card->weightsSha256.size(), std::size_t(64));
        QCOMPARE(card->weightsSha256, *ml::sha256OfFile(m_run / "model" / "weights.pt"));
        QCOMPARE(card->calibration.fittedOn, std::string("validation"));
        QCOMPARE(card->calibration.images, 30);
        QVERIFY(card->calibration.temperature >= 0.05 && card->calibration.temperature <= 20);
        QVERIFY(card->calibration.bias >= -20 && card->calibration.bias <= 20);
        QVERIFY(card->calibration.eceAfter >= 0 && card->calibration.eceAfter <= 1);
        // The calibration survives a round trip through the card, bias and all.
        ml::ModelCard shifted = *card;
        shifted.calibration.bias = 1.25;
        const fs::path file = fs::path(m_dir.filePath("platt-card.json").toStdString());
        QVERIFY(ml::writeModelCard(file, shifted).ok());
        QCOMPARE(QString::fromStdString(readJson(file)["calibration"]["method"].get<std::string>()),
                 QString("platt"));
        auto reread = ml::readModelCard(file);
        QVERIFY(reread.ok());
        QCOMPARE(reread->calibration.bias, 1.25);
        QCOMPARE(reread->calibration.temperature, card->calibration.temperature);
        QCOMPARE(card->operatingPoint.rule, std::string("sensitivity:0.95"));
        QVERIFY(card->operatingPoint.sensitivity >= 0.95);
        QCOMPARE(card->ood.method, std::string("mahalanobis"));
        QCOMPARE(card->ood.referenceImages, 120);
        QCOMPARE(card->ood.validationImages, 30);
        QVERIFY(card->ood.validationFlagged <= 0.03 + 1e-9);
        QVERIFY(fs::is_regular_file(m_run / "model" / "ood.pt"));
        QCOMPARE(m_notes.size() >= 3, true);
    }

    void predictAndExplainAgreeOnCalibratedProbabilityAndScore()
    {
        auto classifier = ml::Classifier::open(m_run, "cpu");
        QVERIFY2(classifier.ok(), classifier.ok() ? "" : classifier.error().message.c_str());
        QVERIFY(classifier->hasOodGuard());
        const QString image =
            test::demoDataset() + "/test/NORMAL/" +
            QDir(test::demoDataset() + "/test/NORMAL").entryList(QDir::Files).first();
        auto input = imaging::loadModelInput(image.toStdString(),
                                             pipeline::inputSpecFor(classifier->card().spec));
        QVERIFY(input.ok());
        const ImageArrays arrays = oneGreyImage(*input);
        auto predicted = classifier->predict(arrays);
        QVERIFY(predicted.ok());
        QCOMPARE(predicted->oodScores.size(), std::size_t(1));
        QCOMPARE(predicted->logits.size(), std::size_t(1));
        const ml::LogitCalibration calibration = classifier->card().calibration.logits();
        QVERIFY(std::abs(predicted->probability(0, 1) -
                         ml::calibratedProbability(predicted->logits[0], calibration)) < 1e-5);
        auto explained =
            classifier->explain(*input, ml::CamRequest::gradCam(ml::CamTarget::Predicted));
        QVERIFY(explained.ok());
        QVERIFY(explained->oodScore.has_value());
        QVERIFY(std::abs(*explained->oodScore - predicted->oodScores[0]) < 1e-3);
        QVERIFY(std::abs(explained->probability - predicted->probability(0, 1)) < 1e-4);
    }

    void testTimeAugmentationAveragesViewsConsistently()
    {
        auto classifier = ml::Classifier::open(m_run, "cpu");
        QVERIFY(classifier.ok());
        std::vector<float> image(kInputPixels);
        for (std::size_t i = 0; i < image.size(); ++i) {
            const std::size_t row = i / 64;
            const std::size_t column = i % 64;
            image[i] = float(column * row) / (64.0f * 64.0f); // brighter to the right
        }
        const ImageArrays arrays = oneGreyImage(image);
        auto plain = classifier->predict(arrays);
        classifier->setTestTimeAugmentation(true);
        auto augmented = classifier->predict(arrays);
        QVERIFY(plain.ok() && augmented.ok());
        QVERIFY(augmented->probability(0, 1) != plain->probability(0, 1)); // three views, not one
        QCOMPARE(augmented->oodScores, plain->oodScores);                  // the image's own score
        std::vector<float> levels;
        for (std::uint8_t level :
             std::vector<std::uint8_t>(arrays.pixels.begin(), arrays.pixels.end())) {
            levels.push_back(float(level) / 255.0f);
        }
        auto explained =
            classifier->explain(levels, ml::CamRequest::gradCam(ml::CamTarget::Predicted));
        QVERIFY(explained.ok());
        QVERIFY(std::abs(explained->probability - augmented->probability(0, 1)) < 1e-4);
        QCOMPARE(explained->explainedClass,
                 explained->probability >= classifier->card().spec.threshold ? 1 : 0);
        for (float v : explained->values) {
            QVERIFY(v >= 0.0f && v <= 1.0f);
        }
    }

    // A card with a bias: every probability computed from the model applies it (predict,
    // explain, test-time augmentation, faithfulness), not the temperature alone.
    void aCalibrationBiasReachesEveryProbability()
    {
        const QString image =
            test::demoDataset() + "/test/NORMAL/" +
            QDir(test::demoDataset() + "/test/NORMAL").entryList(QDir::Files).first();
        auto original = ml::Classifier::open(m_run, "cpu");
        QVERIFY(original.ok());
        auto input = imaging::loadModelInput(image.toStdString(),
                                             pipeline::inputSpecFor(original->card().spec));
        QVERIFY(input.ok());
        const ImageArrays arrays = oneGreyImage(*input);
        std::vector<float> levels;
        for (std::uint8_t level :
             std::vector<std::uint8_t>(arrays.pixels.begin(), arrays.pixels.end())) {
            levels.push_back(float(level) / 255.0f);
        }
        // A bias that brings this image's calibrated logit to 0.5, where the sigmoid is steep and
        // a forgotten bias cannot hide in a saturated probability.
        auto plain = original->predict(arrays);
        QVERIFY(plain.ok());
        const double bias = std::clamp(
            0.5 - plain->logits[0] / original->card().calibration.temperature, -19.0, 19.0);

        const fs::path model = copyModel(m_run, m_dir.filePath("biased"));
        nlohmann::json card = readJson(model / "model.json");
        card["calibration"]["method"] = "platt";
        card["calibration"]["bias"] = bias;
        writeJson(model / "model.json", card);
        auto biased = ml::Classifier::open(model, "cpu");
        QVERIFY2(biased.ok(), biased.ok() ? "" : biased.error().message.c_str());
        const ml::LogitCalibration calibration = biased->card().calibration.logits();
        QCOMPARE(calibration.bias, bias);
        const ml::LogitCalibration temperatureOnly{calibration.temperature, 0};
        for (bool tta : {false, true}) {
            biased->setTestTimeAugmentation(tta);
            auto predicted = biased->predict(arrays);
            QVERIFY(predicted.ok());
            const double expected = ml::calibratedProbability(predicted->logits[0], calibration);
            QVERIFY(std::abs(predicted->probability(0, 1) - expected) < 1e-5);
            QVERIFY2(std::abs(expected - ml::calibratedProbability(predicted->logits[0],
                                                                   temperatureOnly)) > 0.05,
                     qPrintable(QString("TTA %1: %2").arg(tta).arg(expected)));
            auto explained =
                biased->explain(levels, ml::CamRequest::gradCam(ml::CamTarget::Positive));
            QVERIFY(explained.ok());
            QVERIFY2(std::abs(explained->probability - expected) < 1e-4,
                     qPrintable(QString("TTA %1: %2 against %3")
                                    .arg(tta)
                                    .arg(explained->probability)
                                    .arg(expected)));
            if (!tta && !explained->flat) {
                // Faithfulness reads the unchanged image's probability of the explained class.
                auto faithful = biased->faithfulness(levels, *explained, 0.2);
                QVERIFY(faithful.ok());
                QVERIFY(std::abs(faithful->original - expected) < 1e-4);
            }
        }
    }

    void anEnsembleAveragesItsMembers()
    {
        auto job = test::demoTrainJob(m_dir.filePath("second"), 2);
        job.settings.seed = 99;
        QVERIFY(pipeline::runTrainJob(job).ok());
        pipeline::EnsembleJob ensembleJob;
        ensembleJob.members = {m_run, fs::path(m_dir.filePath("second").toStdString())};
        ensembleJob.out = fs::path(m_dir.filePath("ensemble").toStdString());
        ensembleJob.dataset = test::demoDataset().toStdString();
        ensembleJob.device = "cpu";
        auto card = pipeline::makeEnsemble(ensembleJob);
        QVERIFY2(card.ok(), card.ok() ? "" : card.error().message.c_str());
        QCOMPARE(card->operatingPoint.images, 30);
        QVERIFY(!pipeline::makeEnsemble(ensembleJob).ok()); // the folder is taken now

        auto ensemble = ml::Classifier::open(ensembleJob.out, "cpu");
        QVERIFY2(ensemble.ok(), ensemble.ok() ? "" : ensemble.error().message.c_str());
        auto first = ml::Classifier::open(m_run, "cpu");
        auto second = ml::Classifier::open(ensembleJob.members[1], "cpu");
        ImageArrays arrays;
        arrays.channels = 1;
        arrays.height = arrays.width = 64;
        std::vector<std::uint8_t> pixels(2 * kInputPixels);
        for (std::size_t i = 0; i < pixels.size(); ++i) {
            pixels[i] = std::uint8_t((i * 7) % 251);
        }
        arrays.pixels = PixelBuffer(std::move(pixels));
        arrays.labels = {-1, -1};
        auto mean = ensemble->predict(arrays);
        auto a = first->predict(arrays);
        auto b = second->predict(arrays);
        QVERIFY(mean.ok() && a.ok() && b.ok());
        for (std::size_t i = 0; i < 2; ++i) {
            QVERIFY(std::abs(mean->probability(i, 1) -
                             (a->probability(i, 1) + b->probability(i, 1)) / 2) < 1e-6);
            const double largest = std::max(a->oodScores[i] / first->oodThreshold(),
                                            b->oodScores[i] / second->oodThreshold());
            QVERIFY(std::abs(mean->oodScores[i] - largest) <
                    1e-5 * largest); // float against double
        }
        QCOMPARE(ensemble->oodThreshold(), 1.0);
        auto map = ensemble->explain(std::vector<float>(kInputPixels, 0.4f));
        QVERIFY(map.ok());
        QCOMPARE(map->explainedClass, map->probability >= ensemble->card().spec.threshold ? 1 : 0);

        // Everything that takes a run takes the ensemble: here an evaluation.
        pipeline::EvaluationJob evaluation;
        evaluation.run = ensembleJob.out;
        evaluation.datasetDir = test::demoDataset().toStdString();
        evaluation.device = "cpu";
        evaluation.bootstrap.samples = 20;
        auto evaluated = pipeline::runEvaluation(evaluation);
        QVERIFY2(evaluated.ok(), evaluated.ok() ? "" : evaluated.error().message.c_str());
        QCOMPARE(evaluated->metrics.counts.total(), 50);

        // A member whose weights change afterwards is refused, naming it.
        const fs::path moved =
            fs::path(m_dir.filePath("second").toStdString()) / "model" / "weights.pt";
        {
            std::fstream weights(moved, std::ios::in | std::ios::out | std::ios::binary);
            weights.seekp(-100, std::ios::end);
            weights.put('\x11');
        }
        auto refused = ml::Classifier::open(ensembleJob.out, "cpu");
        QVERIFY(!refused.ok());
        QVERIFY2(QString::fromStdString(refused.error().message).contains("member"),
                 refused.error().message.c_str());
    }

    void nonChestDicomAndColourPicturesAreOutside_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("reason");
        QTest::newRow("CT") << test::dicomFile("CT_small.dcm") << "modality CT";
        QTest::newRow("MR") << test::dicomFile("MR_small.dcm") << "modality MR";
        QTest::newRow("colour secondary capture") << test::dicomFile("SC_rgb_rle.dcm") << "colour";
    }

    void nonChestDicomAndColourPicturesAreOutside()
    {
        QFETCH(QString, file);
        QFETCH(QString, reason);
        auto classifier = ml::Classifier::open(m_run, "cpu");
        QVERIFY(classifier.ok());
        auto prediction = pipeline::predictImage(*classifier, file.toStdString());
        QVERIFY2(prediction.ok(), prediction.ok() ? "" : prediction.error().message.c_str());
        QVERIFY(prediction->ood.outside);
        QVERIFY(prediction->ood.score.has_value());
        const QString text = QString::fromStdString(pipeline::describeOod(prediction->ood));
        QVERIFY2(text.startsWith("Outside what this model was trained on: ") &&
                     text.contains(reason),
                 qPrintable(text));
    }

    void aPhotographIsOutside()
    {
        // A colourful picture: a gradient in each channel, as no radiograph is.
        cv::Mat photo(300, 400, CV_8UC3);
        for (int y = 0; y < photo.rows; ++y) {
            for (int x = 0; x < photo.cols; ++x) {
                photo.at<cv::Vec3b>(y, x) =
                    cv::Vec3b(uchar(x * 255 / 400), uchar(y * 255 / 300), uchar(128));
            }
        }
        const std::string file = m_dir.filePath("photo.jpg").toStdString();
        QVERIFY(cv::imwrite(file, photo));
        auto classifier = ml::Classifier::open(m_run, "cpu");
        QVERIFY(classifier.ok());
        auto prediction = pipeline::predictImage(*classifier, file);
        QVERIFY(prediction.ok());
        QVERIFY(prediction->ood.outside);
        QVERIFY(QString::fromStdString(prediction->ood.reason()).contains("colour image"));
    }

    void aChestRadiographFromTheTrainingSetIsInside()
    {
        auto classifier = ml::Classifier::open(m_run, "cpu");
        QVERIFY(classifier.ok());
        const QString folder = test::demoDataset() + "/train/PNEUMONIA";
        const QString image = folder + "/" + QDir(folder).entryList(QDir::Files).first();
        auto prediction = pipeline::predictImage(*classifier, image.toStdString());
        QVERIFY(prediction.ok());
        QVERIFY(!QString::fromStdString(prediction->ood.reason()).contains("colour"));
        QVERIFY(pipeline::acquisitionProblems(*imaging::loadImage(image.toStdString())).empty());
    }

    void dicomAgesInYears_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<double>("years");
        QTest::newRow("years") << "004Y" << 4.0;
        QTest::newRow("months") << "018M" << 1.5;
        QTest::newRow("weeks") << "052W" << 52 * 7 / 365.25;
        QTest::newRow("days") << "365D" << 365 / 365.25;
        QTest::newRow("bare number") << "62" << 62.0;
        QTest::newRow("empty") << "" << -1.0;
        QTest::newRow("garbage") << "old" << -1.0;
        QTest::newRow("unknown unit") << "004X" << -1.0;
    }

    void dicomAgesInYears()
    {
        QFETCH(QString, text);
        QFETCH(double, years);
        const std::optional<double> age = pipeline::ageInYears(text.toStdString());
        QCOMPARE(age.value_or(-1.0), years);
    }

    void anAdultFilmIsOutsideAPaediatricModel()
    {
        // The card states the training patients' ages; the adult chest CR (PatientAge 62) is
        // then outside, and the reason leaves the age itself out.
        const fs::path model = copyModel(m_run, m_dir.filePath("paediatric"));
        auto card = ml::readModelCard(model / "model.json");
        QVERIFY(card.ok());
        card->population = {1, 5};
        QVERIFY(ml::writeModelCard(model / "model.json", *card).ok());
        auto classifier = ml::Classifier::open(model, "cpu");
        QVERIFY(classifier.ok());
        auto prediction = pipeline::predictImage(
            *classifier, test::dicomFile("chest_cr_mono2.dcm").toStdString());
        QVERIFY2(prediction.ok(), prediction.ok() ? "" : prediction.error().message.c_str());
        QVERIFY(prediction->ood.outside);
        const QString reason = QString::fromStdString(prediction->ood.reason());
        QVERIFY2(
            reason.contains("a patient older than the model's training population (1-5 years)"),
            qPrintable(reason));
        QVERIFY(!reason.contains("62"));
        QVERIFY(!pipeline::acquisitionProblems(
                     *imaging::loadImage(test::dicomFile("chest_cr_mono2.dcm").toStdString()))
                     .size());
    }

    void verdictCombinesHeaderAndScore()
    {
        auto inside = pipeline::makeOodVerdict({}, 0.9, 1.5);
        QVERIFY(!inside.outside);
        QCOMPARE(pipeline::describeOod(inside), std::string());
        auto far =
            pipeline::makeOodVerdict({"modality CT (chest radiographs are CR or DX)"}, 4.0, 1.5);
        QVERIFY(far.outside);
        QCOMPARE(far.reasons.size(), std::size_t(2));
        QVERIFY(pipeline::makeOodVerdict({}, std::nan(""), 1.5).outside);  // NaN is never inside
        QVERIFY(!pipeline::makeOodVerdict({}, std::nullopt, 1.5).outside); // no guard, no header
    }

    void changedWeightsAreRefused()
    {
        const fs::path model = copyModel(m_run, m_dir.filePath("changed"));
        {
            std::fstream weights(model / "weights.pt",
                                 std::ios::in | std::ios::out | std::ios::binary);
            weights.seekp(-200, std::ios::end);
            weights.put('\x5a');
        }
        auto opened = ml::Classifier::open(model, "cpu");
        QVERIFY(!opened.ok());
        QVERIFY2(QString::fromStdString(opened.error().message).contains("weights changed"),
                 opened.error().message.c_str());
    }

    void nonFiniteOutputIsRefusedNamingTheModel()
    {
        const fs::path model = copyModel(m_run, m_dir.filePath("nan"));
        auto card = ml::readModelCard(model / "model.json");
        QVERIFY(card.ok());
        auto net = ml::loadTrainedNet(model, *card);
        QVERIFY(net.ok());
        {
            torch::NoGradGuard noGrad;
            for (auto &parameter : (*net)->parameters()) {
                parameter.fill_(std::nanf(""));
            }
        }
        torch::serialize::OutputArchive archive;
        (*net)->save(archive);
        archive.save_to((model / "weights.pt").string());
        card->weightsSha256 = *ml::sha256OfFile(model / "weights.pt"); // intact, just useless
        QVERIFY(ml::writeModelCard(model / "model.json", *card).ok());

        auto classifier = ml::Classifier::open(model, "cpu");
        QVERIFY2(classifier.ok(), classifier.ok() ? "" : classifier.error().message.c_str());
        ImageArrays arrays;
        arrays.channels = 1;
        arrays.height = arrays.width = 64;
        arrays.pixels = PixelBuffer(std::vector<std::uint8_t>(kInputPixels, 100));
        arrays.labels = {-1};
        auto predicted = classifier->predict(arrays);
        QVERIFY(!predicted.ok());
        const QString message = QString::fromStdString(predicted.error().message);
        QVERIFY2(message.contains(QString::fromStdString(model.string())) &&
                     message.contains("not a number"),
                 qPrintable(message));
        auto explained = classifier->explain(std::vector<float>(kInputPixels, 0.5f));
        QVERIFY(!explained.ok());
        QVERIFY(QString::fromStdString(explained.error().message).contains("not a number"));
    }

    // Found by fuzz_checkpoint (the inputs are its kept regressions): a damaged weights.pt made
    // LibTorch throw a TorchScript parser error that loadTrainedNet did not catch, which ended
    // the process; a damaged state_dict made LibTorch's in-memory reader read past its buffer.
    // LibTorch's zip reader skips CRC checks; ours reads every record, inflating deflated
    // ones past zlib's output buffer, and refuses records a crafted directory names twice.
    void archivesAreCheckedRecordByRecord()
    {
        const std::string content(300000, 'x'); // inflates to several output buffers
        const std::uint32_t crc = std::uint32_t(
            crc32(0, reinterpret_cast<const Bytef *>(content.data()), uInt(content.size())));
        const fs::path file = fs::path(m_dir.filePath("archive.pt").toStdString());
        auto write = [&](const std::string &bytes) {
            std::ofstream(file, std::ios::binary) << bytes;
        };
        write(zipOfOneRecord(content, crc, 1));
        auto checked = ml::checkArchiveIntegrity(file, "a checkpoint");
        QVERIFY2(checked.ok(), checked.ok() ? "" : checked.error().message.c_str());

        write(zipOfOneRecord(content, crc ^ 1, 1));
        checked = ml::checkArchiveIntegrity(file, "a checkpoint");
        QVERIFY(!checked.ok());
        QVERIFY2(
            QString::fromStdString(checked.error().message).endsWith("does not match its CRC-32)"),
            checked.error().message.c_str());

        write(zipOfOneRecord(content, crc, 3));
        checked = ml::checkArchiveIntegrity(file, "a checkpoint");
        QVERIFY(!checked.ok());
        QVERIFY2(checked.error().message.find("overlaps") != std::string::npos,
                 checked.error().message.c_str());

        write("not a zip at all");
        checked = ml::checkArchiveIntegrity(file, "a checkpoint");
        QVERIFY(!checked.ok());
        QVERIFY2(checked.error().message.find("archive.pt: not a checkpoint (") !=
                     std::string::npos,
                 checked.error().message.c_str());
    }

    void damagedWeightsFilesAreErrors()
    {
        const fs::path model = copyModel(m_run, m_dir.filePath("damaged"));
        nlohmann::json card = readJson(model / "model.json");
        card.erase("weights_sha256");
        card.erase("ood");
        writeJson(model / "model.json", card);
        const QString regressions = test::sourcePath("tests/fuzz/regressions/checkpoint/");
        // Damaged records: refused on their CRC-32 before LibTorch reads them (LibTorch's own
        // zip reader does not check it, and its TorchScript compiler crashed on damaged source).
        for (const char *name :
             {"archive-with-unknown-type-name.pt", "pickle-type-string-crashes-libtorch.pt"}) {
            fs::copy_file((regressions + name).toStdString(), model / "weights.pt",
                          fs::copy_options::overwrite_existing);
            auto opened = ml::Classifier::open(model, "cpu");
            QVERIFY(!opened.ok());
            const QString message = QString::fromStdString(opened.error().message);
            QVERIFY2(message.contains("weights.pt: damaged ("), qPrintable(message));
        }
        // The same damage with its CRCs made to match: LibTorch's reader refuses it, and the
        // error names the file.
        fs::copy_file((regressions + "archive-with-unknown-type-name-crc-valid.pt").toStdString(),
                      model / "weights.pt", fs::copy_options::overwrite_existing);
        auto opened = ml::Classifier::open(model, "cpu");
        QVERIFY(!opened.ok());
        QString message = QString::fromStdString(opened.error().message);
        QVERIFY2(message.contains("weights.pt: not readable as model weights"),
                 qPrintable(message));

        const fs::path stateDict =
            (regressions + "state-dict-directory-past-the-end.pt").toStdString();
        auto sums = ml::stateDictSums(stateDict);
        QVERIFY(!sums.ok());
        message = QString::fromStdString(sums.error().message);
        QVERIFY2(
            message.startsWith(QString::fromStdString(stateDict.string()) + ": not a state_dict"),
            qPrintable(message));

        // A pickle that gives a string 1.8 GB it does not hold: refused before LibTorch allocates
        // it (its records rewritten with matching CRCs, so that the archive check lets it by).
        const fs::path longString =
            (regressions + "state-dict-pickle-string-length-2gib-crc-valid.pt").toStdString();
        sums = ml::stateDictSums(longString);
        QVERIFY(!sums.ok());
        message = QString::fromStdString(sums.error().message);
        QVERIFY2(message.endsWith("(its pickle is damaged)"), qPrintable(message));
    }

    void weightsThatDoNotFitTheCardAreRefused()
    {
        const fs::path model = copyModel(m_run, m_dir.filePath("three"));
        nlohmann::json card = readJson(model / "model.json");
        card["class_names"] = {"A", "B", "C"};
        card.erase("calibration"); // a bias is a two-class model's only: refused on its own
        card.erase("weights_sha256");
        card.erase("ood");
        writeJson(model / "model.json", card);
        auto opened = ml::Classifier::open(model, "cpu");
        QVERIFY(!opened.ok());
        QVERIFY2(QString::fromStdString(opened.error().message).contains("wrong shape"),
                 opened.error().message.c_str());

        card["class_names"] = {"NORMAL", "PNEUMONIA"};
        card["input"]["channels"] = 3;
        writeJson(model / "model.json", card);
        opened = ml::Classifier::open(model, "cpu");
        QVERIFY(!opened.ok());
        QVERIFY2(QString::fromStdString(opened.error().message).contains("wrong shape"),
                 opened.error().message.c_str());
    }

    // Paths are bytes on Linux: one that is not UTF-8 survives a card's round trip exactly, as
    // the documented {"bytes_hex", "text"} object, and other text never aborts a JSON write.
    void pathsThatAreNotUtf8SurviveJson()
    {
        const std::string bytes = "/data/\xff\xfe-site";
        const nlohmann::json encoded = pathJson(bytes);
        QVERIFY(encoded.is_object());
        QCOMPARE(encoded.at("bytes_hex").get<std::string>(),
                 std::string("2f646174612ffffe2d73697465"));
        QCOMPARE(pathFromJson(nlohmann::json::parse(jsonText(encoded))), bytes);
        QVERIFY(pathJson("/data/d\xc3\xb6gs") == nlohmann::json("/data/d\xc3\xb6gs"));
        QCOMPARE(nlohmann::json::parse(jsonText(nlohmann::json{{"patient", "p\xff"}}))["patient"]
                     .get<std::string>(),
                 std::string("p\xef\xbf\xbd"));

        auto card = ml::readModelCard(m_run / "model" / "model.json");
        QVERIFY(card.ok());
        card->trainedOn = bytes;
        const fs::path file = fs::path(m_dir.filePath("utf8-card.json").toStdString());
        QVERIFY(ml::writeModelCard(file, *card).ok());
        auto read = ml::readModelCard(file);
        QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
        QCOMPARE(read->trainedOn, bytes);
    }

    void impossibleCardsAreRefused_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value"); // JSON; empty: the field is removed
        QTest::addColumn<QString>("message");
        QTest::newRow("threshold 2") << "threshold"
                                     << "2.0"
                                     << "outside [0, 1]";
        QTest::newRow("threshold -1") << "threshold"
                                      << "-1"
                                      << "outside [0, 1]";
        QTest::newRow("no threshold") << "threshold"
                                      << ""
                                      << "threshold is missing";
        QTest::newRow("format") << "format"
                                << "\"cxr-studio-model-card/9\""
                                << "not a CXR Studio model card";
        QTest::newRow("no format") << "format"
                                   << ""
                                   << "not a CXR Studio model card";
        QTest::newRow("temperature") << "calibration"
                                     << "{\"method\":\"temperature\",\"temperature\":0}"
                                     << "temperature";
        QTest::newRow("bias missing") << "calibration"
                                      << "{\"method\":\"platt\",\"temperature\":1}"
                                      << "bias is missing";
        QTest::newRow("bias a string")
            << "calibration"
            << "{\"method\":\"platt\",\"temperature\":1,\"bias\":\"0.3\"}"
            << "bias is not a number";
        QTest::newRow("bias 50") << "calibration"
                                 << "{\"method\":\"platt\",\"temperature\":1,\"bias\":50}"
                                 << "bias 50 is outside [-20, 20]";
        QTest::newRow("guard flags 700%")
            << "ood"
            << "{\"method\":\"mahalanobis\",\"file\":\"ood.pt\",\"threshold\":1.2,"
               "\"validation_flagged\":7}"
            << "validation_flagged 7 is outside [0, 1]";
        // Found by fuzz_model_card: 3e28 read as an int was undefined behaviour, 1.5 was truncated.
        QTest::newRow("input size 3e28") << "input"
                                         << "{\"size\":3e28,\"channels\":1}"
                                         << "\"size\" is 3e+28, not a whole number within range";
        QTest::newRow("best epoch 1.5") << "best_epoch"
                                        << "1.5"
                                        << "\"best_epoch\" is 1.5, not a whole number";
    }

    void impossibleCardsAreRefused()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, message);
        nlohmann::json card = readJson(m_run / "model" / "model.json");
        if (value.isEmpty()) {
            card.erase(field.toStdString());
        } else {
            card[field.toStdString()] = nlohmann::json::parse(value.toStdString());
        }
        const fs::path file = fs::path(m_dir.filePath("card.json").toStdString());
        writeJson(file, card);
        auto read = ml::readModelCard(file);
        QVERIFY(!read.ok());
        const QString text = QString::fromStdString(read.error().message);
        QVERIFY2(text.startsWith(QString::fromStdString(file.string())) && text.contains(message),
                 qPrintable(text));
    }

    void impossibleInputFieldsAreNamed_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("message");
        QTest::newRow("resize") << "resize"
                                << "crop"
                                << "unknown resize 'crop'";
        QTest::newRow("normalisation") << "normalisation"
                                       << "zscore"
                                       << "unknown normalisation 'zscore'";
        QTest::newRow("interpolation") << "interpolation"
                                       << "cubic"
                                       << "unknown interpolation 'cubic'";
    }

    void impossibleInputFieldsAreNamed()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, message);
        nlohmann::json card = readJson(m_run / "model" / "model.json");
        card["input"][field.toStdString()] = value.toStdString();
        const fs::path file = fs::path(m_dir.filePath("input.json").toStdString());
        writeJson(file, card);
        auto read = ml::readModelCard(file);
        QVERIFY(!read.ok());
        QVERIFY2(QString::fromStdString(read.error().message).contains(message),
                 read.error().message.c_str());
    }

private:
    QTemporaryDir m_dir;
    fs::path m_run;
    std::vector<std::string> m_notes;
};

QTEST_GUILESS_MAIN(TestModelTrust)
#include "test_model_trust.moc"
