// SPDX-License-Identifier: MIT
#pragma once

// Talking to a PACS: echo (C-ECHO), query (C-FIND, study root), retrieve (C-GET) into a local
// store, send (C-STORE). Every call opens its own association and closes it; each blocks, so
// callers run them off the UI thread, and each polls the observer for cancellation between
// network messages. Errors name the node and the step; none carries patient data.

#include "core/common/progress.h"
#include "core/common/result.h"
#include "core/pacs/pacs_node.h"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cxr::pacs {

Status echo(const PacsNode &node);

enum class QueryLevel { Patient, Study, Series, Image };

const char *levelName(QueryLevel level);                // "PATIENT", "STUDY", "SERIES", "IMAGE"
Result<QueryLevel> parseLevel(const std::string &name); // case-insensitive

// Matching keys; empty ones are returned but do not restrict. Names and IDs may hold the
// wildcards * and ?; dates are YYYYMMDD.
struct QueryFilter {
    std::string patientId;
    std::string patientName;
    std::string studyDateFrom;
    std::string studyDateTo;
    std::string modality; // Modalities in Study at study level, Modality below
    std::string accessionNumber;
    std::string studyInstanceUid;
    std::string seriesInstanceUid;
};

// One C-FIND match. Fields a level does not return stay empty.
struct QueryMatch {
    std::string patientName;
    std::string patientId;
    std::string patientBirthDate;
    std::string studyInstanceUid;
    std::string studyDate;
    std::string studyTime;
    std::string studyDescription;
    std::string accessionNumber;
    std::string modalitiesInStudy;
    std::string seriesInstanceUid;
    std::string seriesNumber;
    std::string seriesDescription;
    std::string modality;
    std::string sopInstanceUid;
    std::string sopClassUid;
    std::string instanceNumber;
    int relatedInstances = -1; // Number of Study/Series Related Instances, -1 when absent
};

struct QueryOptions {
    // 0: no limit. At the limit the query is cancelled (C-CANCEL) and the result says truncated.
    std::size_t maxMatches = 0;
    // Called for each match as it arrives (a page of results can show before the last one).
    std::function<void(const QueryMatch &)> onMatch;
};

struct QueryResult {
    std::vector<QueryMatch> matches;
    bool truncated = false; // stopped at maxMatches
};

// Study Root C-FIND (Patient Root for the patient level). Cancelling through observer sends
// C-CANCEL and returns ErrorCode::Cancelled.
Result<QueryResult> find(const PacsNode &node, QueryLevel level, const QueryFilter &filter,
                         const QueryOptions &options = {}, ProgressObserver *observer = nullptr);

// What to retrieve: a study, one of its series, or one instance.
struct RetrieveRequest {
    std::string studyInstanceUid;
    std::string seriesInstanceUid; // empty: the whole study
    std::string sopInstanceUid;    // empty: the whole series (or study)
};

struct RetrieveReport {
    std::vector<std::filesystem::path> files; // written this time, in arrival order
    int failed = 0;                           // sub-operations the PACS reported as failed
    int warned = 0;
};

// C-GET into store (see local_store.h). Each instance is written atomically as it arrives, so a
// cancelled or interrupted retrieve keeps what arrived and a repeat fetches the rest. Progress
// counts instances (the total from the PACS's pending responses).
Result<RetrieveReport> get(const PacsNode &node, const RetrieveRequest &request,
                           const std::filesystem::path &store,
                           ProgressObserver *observer = nullptr);

// C-MOVE into store: the PACS sends the instances to CXR Studio's own storage SCP, which this
// call runs while the move lasts, listening on receivePort under the node's calling AE title.
// The PACS must know that AE title with this computer's address and that port as a move
// destination; a PACS that does not says so, and the error says what to set up. Written,
// kept and cancelled as for get.
Result<RetrieveReport> move(const PacsNode &node, const RetrieveRequest &request,
                            const std::filesystem::path &store, int receivePort,
                            ProgressObserver *observer = nullptr);

struct SendReport {
    int sent = 0;
};

// C-STORE of DICOM files, each under its own SOP class and transfer syntax. A file that is
// not DICOM, or that the PACS refuses, stops the send with an error naming the file.
Result<SendReport> send(const PacsNode &node, const std::vector<std::filesystem::path> &files,
                        ProgressObserver *observer = nullptr);

} // namespace cxr::pacs
