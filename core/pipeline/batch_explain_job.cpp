// SPDX-License-Identifier: MIT
#include "core/pipeline/batch_explain_job.h"

#include "core/common/atomic_file.h"
#include "core/common/csv.h"
#include "core/common/json_text.h"
#include "core/common/text.h"
#include "core/data/dataset_scanner.h"
#include "core/imaging/file_sniffer.h"
#include "core/imaging/image_writer.h"
#include "core/pacs/dicom_results.h"
#include "core/pipeline/dicom_result_export.h"
#include "core/pipeline/explain_job.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace cxr::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr int kSaveEvery = 25; // images between two saves of predictions.csv

struct Input {
    fs::path file;
    std::string label;
};

// A DICOM file CXR Studio wrote as a result; the sniff first, so that other images are not
// parsed as DICOM.
bool isResultOfOurs(const fs::path &file)
{
    return imaging::sniffFormat(file) == imaging::FileFormat::Dicom && pacs::isResultOfOurs(file);
}

// The images to predict; skippedResults counts the results of ours left out of folders.
Result<std::vector<Input>> listInputs(const BatchExplainJob &job, int &skippedResults)
{
    std::vector<Input> inputs;
    if (!job.dataset.empty()) {
        auto index = data::scanDataset(job.dataset);
        if (!index) {
            return index.error();
        }
        for (const data::DatasetFile &file : index->files) {
            if (file.split == job.split) {
                inputs.push_back({file.path, index->classes[std::size_t(file.label)]});
            }
        }
        if (inputs.empty()) {
            return makeError(ErrorCode::InvalidDataset, job.dataset.string() + ": no split \"" +
                                                            job.split + "\" with images (it has " +
                                                            joined(index->splits) + ")");
        }
        return inputs;
    }
    auto files = findImages(job.inputs);
    if (!files) {
        return files.error();
    }
    for (const fs::path &file : *files) {
        if (isResultOfOurs(file)) {
            ++skippedResults;
        } else {
            inputs.push_back({file, {}});
        }
    }
    if (inputs.empty()) {
        const std::string where = job.inputs.size() == 1
                                      ? job.inputs.front().string()
                                      : std::to_string(job.inputs.size()) + " folders";
        return makeError(ErrorCode::NotFound, "no images in " + where + ", only " +
                                                  counted(skippedResults, "result") +
                                                  " of CXR Studio's");
    }
    return inputs;
}

// What makes two batches one: the same model, method, target, layer and overlay style.
nlohmann::json batchSettings(const BatchExplainJob &job, const ml::Classifier &classifier)
{
    nlohmann::json settings = {
        {"model", pathJson(fs::weakly_canonical(classifier.modelDir()).string())},
        {"model_name", classifier.card().name},
        {"threshold", classifier.card().spec.threshold},
        {"temperature", classifier.card().calibration.temperature},
        {"tta", job.tta},
        {"weights_sha256", classifier.card().weightsSha256},
        {"method", camMethodName(job.request.method)},
        {"target", int(job.request.target)},
        {"target_class", job.request.targetClass},
        {"layer", job.request.layer},
        {"layer_name", job.request.layerName},
        // How the overlays look, so that a resumed batch does not mix two styles.
        {"overlays", job.writeOverlays},
        {"overlay_max_side", job.overlayMaxSide},
        {"colormap", int(job.display.style.colormap)},
        {"opacity", job.display.style.opacity},
        {"hide_below", job.display.style.threshold},
        {"contours", job.display.style.mode == imaging::HeatmapMode::Contours},
        {"scale", job.display.scale == CamScale::Absolute ? job.display.absoluteMax : 0.0},
    };
    // Only when there is one, so that a batch started before biases existed still resumes.
    if (classifier.card().calibration.bias != 0) {
        settings["calibration_bias"] = classifier.card().calibration.bias;
    }
    return settings;
}

std::string rowsCsv(const std::vector<BatchRow> &rows)
{
    std::ostringstream csv;
    csv << "file,label,probability,predicted,explained_class,flat,overlay,error,ood,ood_score,ood_"
           "reason,pacs\n";
    for (const BatchRow &row : rows) {
        char probability[32];
        std::snprintf(probability, sizeof probability, "%.6f", row.probability);
        char oodScore[32] = "";
        if (row.oodScore) {
            std::snprintf(oodScore, sizeof oodScore, "%.4f", *row.oodScore);
        }
        csv << csvField(row.file) << ',' << csvField(row.label) << ','
            << (row.error.empty() ? probability : "") << ',' << csvField(row.predictedClass) << ','
            << row.explainedClass << ',' << (row.flat ? 1 : 0) << ',' << csvField(row.overlay)
            << ',' << csvField(row.error) << ',' << (row.ood ? 1 : 0) << ',' << oodScore << ','
            << csvField(row.oodReason) << ',' << csvField(row.pacs) << '\n';
    }
    return csv.str();
}

std::string overlayName(std::size_t index, const fs::path &file)
{
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%05zu_", index + 1);
    return "overlays/" + std::string(prefix) + file.stem().string() + ".png";
}

// The pacs column of a row whose results the PACS described so holds.
std::string storedOn(const std::string &pacsDescription)
{
    return "stored on " + pacsDescription;
}

} // namespace

std::string storedOnPacs(const pacs::PacsNode &node)
{
    return storedOn(pacs::describe(node));
}

bool resultsNotSent(const BatchExplainResult &result, const BatchRow &row)
{
    return !result.sentTo.empty() && row.error.empty() && !row.pacs.empty() &&
           row.pacs != storedOn(result.sentTo);
}

PacsOutcome pacsOutcome(const BatchExplainResult &result)
{
    PacsOutcome outcome;
    if (result.sentTo.empty()) {
        return outcome;
    }
    const std::string stored = storedOn(result.sentTo);
    for (const BatchRow &row : result.rows) {
        outcome.stored += row.pacs == stored ? 1 : 0;
        outcome.notSent += resultsNotSent(result, row) ? 1 : 0;
    }
    return outcome;
}

Result<std::vector<fs::path>> findImages(const std::vector<fs::path> &paths)
{
    std::vector<fs::path> images;
    for (const fs::path &input : paths) {
        std::error_code error;
        if (fs::is_directory(input, error)) {
            std::vector<fs::path> found;
            for (fs::recursive_directory_iterator
                     it(input, fs::directory_options::skip_permission_denied, error),
                 end;
                 !error && it != end; it.increment(error)) {
                if (it->is_regular_file(error) && imaging::hasImageExtension(it->path())) {
                    found.push_back(fs::absolute(it->path()));
                }
            }
            std::sort(found.begin(), found.end());
            images.insert(images.end(), found.begin(), found.end());
        } else if (fs::exists(input, error)) {
            images.push_back(fs::absolute(input));
        } else {
            return makeError(ErrorCode::NotFound, input.string() + ": no such file or folder");
        }
    }
    if (images.empty()) {
        return makeError(ErrorCode::NotFound,
                         "no images (JPEG, PNG, BMP, TIFF or DICOM) in " +
                             (paths.empty() ? std::string("the input") : paths.front().string()));
    }
    return images;
}

Result<BatchExplainResult> readBatchResults(const fs::path &folder)
{
    const fs::path csvFile = folder / "predictions.csv";
    std::ifstream in(csvFile);
    if (!in) {
        return makeError(ErrorCode::NotFound, csvFile.string() + ": no batch results here");
    }
    BatchExplainResult result;
    result.outputFolder = folder;
    std::ifstream settingsFile(folder / "batch.json");
    const auto settings = nlohmann::json::parse(settingsFile, nullptr, false);
    if (settings.is_object()) {
        result.modelName = settings.value("model_name", "");
        result.threshold = settings.value("threshold", 0.5);
    }
    std::string line;
    std::getline(in, line);
    if (line.rfind("file,label,probability", 0) != 0) {
        return makeError(ErrorCode::Corrupt, csvFile.string() + ": not a batch predictions file");
    }
    int lineNumber = 1;
    while (std::getline(in, line)) {
        ++lineNumber;
        const std::vector<std::string> fields = splitCsvLine(line);
        // 8 fields before the out-of-distribution columns were added, 11 before the PACS one.
        if (fields.size() != 8 && fields.size() != 11 && fields.size() != 12) {
            return makeError(ErrorCode::Corrupt,
                             csvFile.string() + ": line " + std::to_string(lineNumber) + " has " +
                                 std::to_string(fields.size()) + " fields, not 12");
        }
        BatchRow row;
        row.file = fields[0];
        row.label = fields[1];
        row.predictedClass = fields[3];
        row.overlay = fields[6];
        row.error = fields[7];
        try {
            row.probability = fields[2].empty() ? 0 : std::stod(fields[2]);
            row.explainedClass = std::stoi(fields[4]);
            if (fields.size() >= 11) {
                row.ood = fields[8] == "1";
                row.oodScore =
                    fields[9].empty() ? std::nullopt : std::optional<double>(std::stod(fields[9]));
                row.oodReason = fields[10];
            }
        } catch (const std::exception &) {
            return makeError(ErrorCode::Corrupt, csvFile.string() + ": line " +
                                                     std::to_string(lineNumber) +
                                                     " has a bad number");
        }
        row.flat = fields[5] == "1";
        if (fields.size() == 12) {
            row.pacs = fields[11];
        }
        result.rows.push_back(std::move(row));
    }
    return result;
}

namespace {

// The rows an interrupted earlier run of the same batch finished, by file; a batch.json of
// other settings means another batch, which this one must not overwrite.
Result<std::map<std::string, BatchRow>> finishedRows(const BatchExplainJob &job,
                                                     const nlohmann::json &settings)
{
    std::map<std::string, BatchRow> done;
    std::ifstream previous(job.outputFolder / "batch.json");
    if (!previous) {
        return done;
    }
    const auto earlier = nlohmann::json::parse(previous, nullptr, false);
    if (earlier != settings) {
        return makeError(ErrorCode::InvalidArgument, job.outputFolder.string() +
                                                         " holds a batch made with other settings "
                                                         "(model, method, target, layer or overlay "
                                                         "style); choose another output folder");
    }
    if (auto earlierRows = readBatchResults(job.outputFolder)) {
        for (BatchRow &row : earlierRows->rows) {
            if (row.error.empty()) {
                done.emplace(row.file, std::move(row));
            }
        }
    }
    return done;
}

// A DICOM image whose results a batch with a PACS sends: not a result of ours (a dataset's
// batch does not leave them out).
bool isSendable(const fs::path &file)
{
    return imaging::sniffFormat(file) == imaging::FileFormat::Dicom && !pacs::isResultOfOurs(file);
}

// With a PACS to send to: an image whose results it has not stored yet.
bool needsSending(const BatchExplainJob &job, const BatchRow &row)
{
    return job.sendTo && row.pacs != storedOnPacs(*job.sendTo) && isSendable(row.file);
}

// Sends each DICOM image's results while the PACS answers. Only network failures (an
// unreachable or refusing PACS) count towards giving up: a source that cannot carry a result
// says nothing about the next one.
class ResultSender {
public:
    explicit ResultSender(const BatchExplainJob &job) : m_job(job) {}

    // The row's pacs column.
    std::string send(const fs::path &file, const ImagePrediction &prediction,
                     const ml::ModelCard &card)
    {
        if (!m_job.sendTo || !isSendable(file)) {
            return {};
        }
        if (m_networkFailures >= kSendFailuresInARow) {
            return "not sent: the last " + std::to_string(m_networkFailures) + " sends failed (" +
                   m_lastProblem + "); run the batch again to retry";
        }
        auto stored = sendDicomResults(file, prediction, card, *m_job.sendTo, {}, m_job.display);
        if (stored) {
            m_networkFailures = 0;
            return storedOnPacs(*m_job.sendTo);
        }
        m_networkFailures = stored.error().code == ErrorCode::Network ? m_networkFailures + 1 : 0;
        m_lastProblem = stored.error().message;
        return "not sent: " + m_lastProblem;
    }

private:
    const BatchExplainJob &m_job;
    int m_networkFailures = 0;
    std::string m_lastProblem;
};

// One image predicted and explained, its overlay written and then its results sent when asked
// for (a row with an error is done again by the next run, so it must not have sent). A failed
// prediction or overlay is the row's error, a failed send its pacs column; a failed write (a
// full disk) stops the batch.
Result<BatchRow> explainOne(const BatchExplainJob &job, ml::Classifier &classifier,
                            ResultSender &sender, const Input &input, std::size_t index)
{
    BatchRow row;
    row.file = input.file.string();
    row.label = input.label;
    auto prediction = predictImage(classifier, input.file, &job.request);
    if (!prediction) {
        row.error = prediction.error().message;
        return row;
    }
    row.probability = prediction->probability;
    row.predictedClass = prediction->predictedClass;
    row.explainedClass = prediction->cam->explainedClass;
    row.flat = prediction->cam->flat;
    row.ood = prediction->ood.outside;
    row.oodScore = prediction->ood.score;
    row.oodReason = prediction->ood.reason();
    if (!job.writeOverlays) {
        row.pacs = sender.send(input.file, *prediction, classifier.card());
        return row;
    }
    auto overlay = overlayForFile(input.file, *prediction, classifier.card().spec, job.display,
                                  job.overlayMaxSide);
    const std::string name = overlayName(index, input.file);
    if (!overlay) {
        row.error = overlay.error().message;
    } else if (auto written = imaging::writeImage(job.outputFolder / name, *overlay); !written) {
        return written.error();
    } else {
        row.overlay = name;
        row.pacs = sender.send(input.file, *prediction, classifier.card());
    }
    return row;
}

} // namespace

Result<BatchExplainResult> runBatchExplain(const BatchExplainJob &job, ProgressObserver *observer)
{
    auto classifier = ml::Classifier::open(job.model, job.device);
    if (!classifier) {
        return classifier.error();
    }
    classifier->setTestTimeAugmentation(job.tta);
    int skippedResults = 0;
    auto inputs = listInputs(job, skippedResults);
    if (!inputs) {
        return inputs.error();
    }
    const nlohmann::json settings = batchSettings(job, *classifier);
    auto done = finishedRows(job, settings);
    if (!done) {
        return done.error();
    }
    std::error_code error;
    fs::create_directories(job.outputFolder / "overlays", error);
    if (auto written =
            writeFileAtomically(job.outputFolder / "batch.json", jsonText(settings, 2) + "\n");
        !written) {
        return written.error();
    }
    BatchExplainResult result;
    result.outputFolder = job.outputFolder;
    result.modelName = classifier->card().name;
    result.threshold = classifier->card().spec.threshold;
    result.skippedResults = skippedResults;
    result.sentTo = job.sendTo ? pacs::describe(*job.sendTo) : std::string();
    const auto save = [&]() {
        return writeFileAtomically(job.outputFolder / "predictions.csv", rowsCsv(result.rows));
    };
    ResultSender sender(job);
    const auto total = std::int64_t(inputs->size());
    for (std::size_t i = 0; i < inputs->size(); ++i) {
        const Input &input = (*inputs)[i];
        if (cancelled(observer)) {
            save();
            return makeError(ErrorCode::Cancelled,
                             "cancelled after " + std::to_string(result.rows.size()) + " of " +
                                 std::to_string(total) + " images; run it again to continue");
        }
        if (auto found = done->find(input.file.string());
            found != done->end() &&
            (found->second.overlay.empty() ||
             fs::exists(job.outputFolder / found->second.overlay)) &&
            !needsSending(job, found->second)) {
            result.rows.push_back(found->second);
            ++result.resumed;
            continue;
        }
        auto row = explainOne(job, *classifier, sender, input, i);
        if (!row) {
            save();
            return row.error(); // what was done is kept
        }
        const bool sent = job.sendTo && row->pacs == storedOnPacs(*job.sendTo);
        result.sentInThisRun += sent ? 1 : 0;
        result.rows.push_back(std::move(*row));
        // After a send at once: an interrupted batch must not send those results again.
        if (sent || result.rows.size() % kSaveEvery == 0) {
            save();
        }
        if (observer) {
            observer->progress(std::int64_t(i + 1), total);
        }
    }
    if (auto saved = save(); !saved) {
        return saved.error();
    }
    return result;
}

} // namespace cxr::pipeline
