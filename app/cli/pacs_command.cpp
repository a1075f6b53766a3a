// SPDX-License-Identifier: MIT
// `cxr pacs echo|find|get|send`: the PACS client of core/pacs from the command line.
#include "commands.h"
#include "dicom_result_options.h"
#include "terminal_progress.h"

#include "core/common/json_text.h"
#include "core/pacs/pacs_client.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>

namespace cxr::cli {

namespace {

namespace fs = std::filesystem;

struct FindOptions {
    pacs::PacsNode node;
    std::string level = "study";
    pacs::QueryFilter filter;
    std::size_t limit = 1000;
    bool json = false;
    bool showPatient = false;
};

nlohmann::ordered_json matchJson(const pacs::QueryMatch &m, bool showPatient)
{
    nlohmann::ordered_json j;
    if (showPatient) {
        j["patient_name"] = m.patientName;
        j["patient_id"] = m.patientId;
        j["patient_birth_date"] = m.patientBirthDate;
    }
    const std::pair<const char *, const std::string *> fields[] = {
        {"study_instance_uid", &m.studyInstanceUid},
        {"study_date", &m.studyDate},
        {"study_time", &m.studyTime},
        {"study_description", &m.studyDescription},
        {"accession_number", &m.accessionNumber},
        {"modalities_in_study", &m.modalitiesInStudy},
        {"series_instance_uid", &m.seriesInstanceUid},
        {"series_number", &m.seriesNumber},
        {"series_description", &m.seriesDescription},
        {"modality", &m.modality},
        {"sop_instance_uid", &m.sopInstanceUid},
        {"sop_class_uid", &m.sopClassUid},
        {"instance_number", &m.instanceNumber}};
    for (const auto &[name, value] : fields) {
        if (!value->empty()) {
            j[name] = *value;
        }
    }
    if (m.relatedInstances >= 0) {
        j["instances"] = m.relatedInstances;
    }
    return j;
}

void printMatch(const pacs::QueryMatch &m, pacs::QueryLevel level, bool showPatient)
{
    const std::string patient = showPatient ? m.patientName + " [" + m.patientId + "]"
                                            : std::string("(patient hidden: --show-patient)");
    switch (level) {
    case pacs::QueryLevel::Patient:
        std::printf("%s\n", patient.c_str());
        break;
    case pacs::QueryLevel::Study:
        std::printf("%s  %s  %-8s %4d images  %s  %s\n", m.studyDate.c_str(),
                    m.studyInstanceUid.c_str(), m.modalitiesInStudy.c_str(), m.relatedInstances,
                    m.studyDescription.c_str(), patient.c_str());
        break;
    case pacs::QueryLevel::Series:
        std::printf("%s  %-4s #%s %4d images  %s\n", m.seriesInstanceUid.c_str(),
                    m.modality.c_str(), m.seriesNumber.c_str(), m.relatedInstances,
                    m.seriesDescription.c_str());
        break;
    case pacs::QueryLevel::Image:
        std::printf("%s  #%s\n", m.sopInstanceUid.c_str(), m.instanceNumber.c_str());
        break;
    }
}

Action addEcho(CLI::App *pacsCommand)
{
    auto node = std::make_shared<pacs::PacsNode>();
    CLI::App *command = pacsCommand->add_subcommand("echo", "Check that a PACS answers (C-ECHO).");
    addNodeOptions(command, *node, true);
    return [node]() -> int {
        if (auto answered = pacs::echo(*node); !answered) {
            return reportError(answered.error());
        }
        std::printf("%s answered C-ECHO\n", pacs::describe(*node).c_str());
        return kSuccess;
    };
}

Action addFind(CLI::App *pacsCommand)
{
    auto options = std::make_shared<FindOptions>();
    CLI::App *command = pacsCommand->add_subcommand(
        "find", "Query a PACS (C-FIND) for patients, studies, series or images. Patient names and\n"
                "IDs are left out of the output unless --show-patient.");
    addNodeOptions(command, options->node, true);
    command->add_option("--level", options->level, "patient, study, series or image")
        ->capture_default_str();
    pacs::QueryFilter &f = options->filter;
    command->add_option("--patient-id", f.patientId, "patient ID (wildcards * and ?)");
    command->add_option("--patient-name", f.patientName, "patient name, e.g. 'DOE^J*'");
    command->add_option("--date-from", f.studyDateFrom, "first study date, YYYYMMDD");
    command->add_option("--date-to", f.studyDateTo, "last study date, YYYYMMDD");
    command->add_option("--modality", f.modality, "e.g. CR or DX");
    command->add_option("--accession", f.accessionNumber, "accession number");
    command->add_option("--study", f.studyInstanceUid,
                        "Study Instance UID (needed below study level)");
    command->add_option("--series", f.seriesInstanceUid,
                        "Series Instance UID (needed at image level)");
    command
        ->add_option("--limit", options->limit,
                     "stop after this many matches (0: no limit); the query is then cancelled")
        ->capture_default_str();
    command->add_flag("--json", options->json, "print the matches as JSON");
    command->add_flag("--show-patient", options->showPatient, "include patient names and IDs");
    return [options]() -> int {
        auto level = pacs::parseLevel(options->level);
        if (!level) {
            return reportError(level.error());
        }
        TerminalProgress progress;
        pacs::QueryOptions query;
        query.maxMatches = options->limit;
        if (!options->json) { // matches print as they arrive
            query.onMatch = [&](const pacs::QueryMatch &m) {
                printMatch(m, *level, options->showPatient);
            };
        }
        auto found = pacs::find(options->node, *level, options->filter, query, &progress);
        progress.finishLine();
        if (!found) {
            return reportError(found.error());
        }
        if (options->json) {
            nlohmann::ordered_json matches = nlohmann::ordered_json::array();
            for (const auto &m : found->matches) {
                matches.push_back(matchJson(m, options->showPatient));
            }
            std::cout << jsonText(nlohmann::ordered_json{{"level", pacs::levelName(*level)},
                                                         {"truncated", found->truncated},
                                                         {"matches", matches}},
                                  2)
                      << std::endl;
        } else {
            std::fprintf(stderr, "%zu matches%s\n", found->matches.size(),
                         found->truncated ? " (stopped at --limit; narrow the query)" : "");
        }
        return kSuccess;
    };
}

struct GetOptions {
    pacs::PacsNode node;
    pacs::RetrieveRequest request;
    std::string out;
    int receivePort = 0; // C-MOVE only
};

// `get` (C-GET) and `move` (C-MOVE to our own storage SCP) take the same options but the port.
Action addRetrieve(CLI::App *pacsCommand, bool useMove)
{
    auto options = std::make_shared<GetOptions>();
    CLI::App *command =
        useMove
            ? pacsCommand->add_subcommand(
                  "move",
                  "Retrieve a study, series or image with C-MOVE: the PACS sends it to\n"
                  "CXR Studio's storage SCP, listening on --receive-port under the calling\n"
                  "AE title, which the PACS must know as a move destination. Stored as\n"
                  "`get` stores.")
            : pacsCommand->add_subcommand(
                  "get",
                  "Retrieve a study, series or image (C-GET) into a local store laid out as\n"
                  "OUT/<study UID>/<series UID>/<instance UID>.dcm. Instances already there are\n"
                  "kept, so a cancelled or interrupted retrieve is finished by running it again.");
    addNodeOptions(command, options->node, true);
    command->add_option("--study", options->request.studyInstanceUid, "Study Instance UID")
        ->required();
    command->add_option("--series", options->request.seriesInstanceUid, "only this series");
    command->add_option("--instance", options->request.sopInstanceUid, "only this SOP instance");
    command->add_option("--out", options->out, "the local store folder")->required();
    if (useMove) {
        command
            ->add_option("--receive-port", options->receivePort,
                         "the port CXR Studio receives the moved instances on")
            ->required();
    }
    return [options, useMove]() -> int {
        TerminalProgress progress;
        progress.stage("Retrieving from " + pacs::describe(options->node));
        auto got = useMove ? pacs::move(options->node, options->request, options->out,
                                        options->receivePort, &progress)
                           : pacs::get(options->node, options->request, options->out, &progress);
        progress.finishLine();
        if (!got) {
            return reportError(got.error());
        }
        std::printf("%zu instances retrieved into %s", got->files.size(), options->out.c_str());
        if (got->failed > 0) {
            std::printf(" (%d the PACS could not send)", got->failed);
        }
        std::printf("\n");
        return got->failed > 0 ? kFailure : kSuccess;
    };
}

// DICOM files among paths, folders searched; other files are left out with a note.
std::vector<fs::path> dicomFiles(const std::vector<std::string> &paths)
{
    std::vector<fs::path> files;
    for (const std::string &path : paths) {
        std::error_code error;
        if (fs::is_directory(path, error)) {
            for (const auto &entry : fs::recursive_directory_iterator(path, error)) {
                if (entry.is_regular_file(error) && entry.path().extension() != ".partial") {
                    files.push_back(entry.path());
                }
            }
        } else {
            files.emplace_back(path);
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

struct SendOptions {
    pacs::PacsNode node;
    std::vector<std::string> paths;
};

Action addSend(CLI::App *pacsCommand)
{
    auto options = std::make_shared<SendOptions>();
    CLI::App *command = pacsCommand->add_subcommand(
        "send", "Send DICOM files (folders are searched) to a PACS (C-STORE), each as it is.");
    addNodeOptions(command, options->node, true);
    command->add_option("files", options->paths, "DICOM files or folders")->required();
    return [options]() -> int {
        const auto files = dicomFiles(options->paths);
        if (files.empty()) {
            return reportError(makeError(ErrorCode::NotFound, "no files to send"));
        }
        TerminalProgress progress;
        progress.stage("Sending to " + pacs::describe(options->node));
        auto sent = pacs::send(options->node, files, &progress);
        progress.finishLine();
        if (!sent) {
            return reportError(sent.error());
        }
        std::printf("%d files sent to %s\n", sent->sent, pacs::describe(options->node).c_str());
        return kSuccess;
    };
}

} // namespace

Action addPacsCommand(CLI::App &app)
{
    CLI::App *command = app.add_subcommand(
        "pacs", "Talk to a PACS: check it answers (echo), query it (find), retrieve studies into\n"
                "a local store (get, move), and send DICOM files to it (send).");
    command->require_subcommand(1);
    auto actions = std::make_shared<std::vector<std::pair<CLI::App *, Action>>>();
    const auto add = [&](Action action) {
        actions->emplace_back(command->get_subcommands({}).back(), std::move(action));
    };
    add(addEcho(command));
    add(addFind(command));
    add(addRetrieve(command, false));
    add(addRetrieve(command, true));
    add(addSend(command));
    return [actions]() -> int {
        for (auto &[subcommand, action] : *actions) {
            if (subcommand->parsed()) {
                return action();
            }
        }
        return kUsage;
    };
}

} // namespace cxr::cli
