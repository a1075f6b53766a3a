#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The PACS leg of the demo: a real PACS (Orthanc, Debian package orthanc) started on a free
# loopback port with a temporary configuration and storage folder, never as a system service;
# the demo's chest radiograph stored in it; then CXR Studio queries it, retrieves the study,
# predicts and explains its images with RUN as a batch that stores each image's results back
# into the study (a structured report, the overlay as a secondary capture and the map as a
# parametric map), and lists the study's series again to show them. Orthanc is stopped and its folder removed at the
# end, whatever happens.
#   tools/demo_pacs.sh CXR RUN OUT
set -euo pipefail
cxr=${1:?usage: $0 CXR RUN OUT}
run=${2:?usage: $0 CXR RUN OUT}
out=${3:?usage: $0 CXR RUN OUT}
cd "$(dirname "$0")/.."
image=tests/data/dicom/chest_cr_mono2.dcm

if ! command -v Orthanc >/dev/null 2>&1; then
    echo "demo: Orthanc not installed (Debian package orthanc); the PACS leg is skipped" >&2
    exit 0
fi

# A port nobody listens on (bash's /dev/tcp connects when one does).
port=4242
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
done
folder=$(mktemp -d)
orthanc_pid=
cleanup() {
    [ -n "$orthanc_pid" ] && kill "$orthanc_pid" 2>/dev/null && wait "$orthanc_pid" 2>/dev/null
    rm -rf "$folder"
}
trap cleanup EXIT
cat >"$folder/orthanc.json" <<JSON
{ "Name": "CXR Studio demo PACS", "StorageDirectory": "$folder/storage",
  "IndexDirectory": "$folder/storage", "HttpServerEnabled": false, "RemoteAccessAllowed": false,
  "DicomServerEnabled": true, "DicomAet": "ORTHANC", "DicomPort": $port,
  "DicomModalities": { "cxr": [ "CXRSTUDIO", "127.0.0.1", $((port + 1)) ] },
  "DicomAlwaysAllowStore": true, "UnknownSopClassAccepted": true, "Plugins": [],
  "DeidentifyLogs": true }
JSON
Orthanc "$folder/orthanc.json" >"$folder/orthanc.log" 2>&1 &
orthanc_pid=$!
node=(--host 127.0.0.1 --port "$port" --called-aet ORTHANC)
for _ in $(seq 60); do
    "$cxr" pacs echo "${node[@]}" --timeout 2 >/dev/null 2>&1 && break
    sleep 0.5
done
echo "demo: Orthanc answers on 127.0.0.1:$port (AE title ORTHANC)"

"$cxr" pacs send "${node[@]}" "$image"
study=$("$cxr" pacs find "${node[@]}" --json | sed -n 's/.*"study_instance_uid": "\([^"]*\)".*/\1/p' | head -1)
"$cxr" pacs find "${node[@]}"
"$cxr" pacs get "${node[@]}" --study "$study" --out "$out/pacs-store"
# The batch a radiologist runs from the PACS page with "Send the results back" ticked.
"$cxr" explain "$run" "$out/pacs-store" --out-dir "$out/pacs-results" --send "${node[@]}"
echo "demo: the study's series now, the results among them:"
"$cxr" pacs find "${node[@]}" --level series --study "$study"
