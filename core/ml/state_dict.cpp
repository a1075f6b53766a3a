// SPDX-License-Identifier: MIT
#include "core/ml/state_dict.h"
#include "core/ml/archive_integrity.h"

#include "core/common/atomic_file.h"
#include "core/ml/torch_errors.h"
#include "core/ml/torch_includes.h"
#include "core/ml/torch_state_dict.h"
#include "core/ml/trained_model.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/import_read.h>

#include <cstdint>
#include <fstream>

namespace cxr::ml {

namespace fs = std::filesystem;

std::vector<std::pair<std::string, torch::Tensor>> namedTensors(ClassifierNetImpl &net)
{
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto &item : net.named_parameters()) {
        tensors.emplace_back(item.key(), item.value());
    }
    for (const auto &item : net.named_buffers()) {
        tensors.emplace_back(item.key(), item.value());
    }
    return tensors;
}

namespace {

// What follows a pickle opcode of the protocols torch.save writes.
struct OpcodeArguments {
    enum Kind { None, Fixed, Counted, Lines, Stop, Unknown } kind = None;
    std::size_t bytes = 0; // Fixed: argument bytes; Counted: bytes of the count before the data
};

OpcodeArguments argumentsOf(unsigned char op)
{
    switch (op) {
    case '}':
    case ']':
    case ')':
    case '(':
    case 't':
    case 0x85:
    case 0x86:
    case 0x87:
    case 'u':
    case 's':
    case 'e':
    case 'a':
    case 'R':
    case 'b':
    case 'N':
    case 0x88:
    case 0x89:
    case 'Q':
    case '0':
    case '1':
    case '2':
    case 0x81:
    case 0x94:
        return {OpcodeArguments::None, 0};
    case '.':
        return {OpcodeArguments::Stop, 0};
    case 0x80:
    case 'q':
    case 'h':
    case 'K':
        return {OpcodeArguments::Fixed, 1};
    case 'M':
        return {OpcodeArguments::Fixed, 2};
    case 'r':
    case 'j':
    case 'J':
        return {OpcodeArguments::Fixed, 4};
    case 'G':
    case 0x95:
        return {OpcodeArguments::Fixed, 8};
    case 'U':
    case 'C':
    case 0x8c:
    case 0x8a:
        return {OpcodeArguments::Counted, 1};
    case 'X':
    case 'B':
    case 'T':
        return {OpcodeArguments::Counted, 4};
    case 0x8d:
    case 0x8e:
        return {OpcodeArguments::Counted, 8};
    case 'c': // GLOBAL: module and name, each ending in a newline
        return {OpcodeArguments::Lines, 2};
    default:
        return {OpcodeArguments::Unknown, 0};
    }
}

// True when a pickle gives a string or bytes object more bytes than the pickle holds. LibTorch
// 1.13's unpickler allocates and zero-fills such a length (up to 4 GiB; found by
// fuzz_checkpoint) before it finds the data missing. Walks the opcodes of the protocols
// torch.save writes; at an opcode it does not know it stops and leaves the rest to LibTorch.
bool pickleClaimsMoreThanItHolds(const unsigned char *data, std::size_t size)
{
    auto little = [&](std::size_t at, std::size_t bytes) {
        std::uint64_t value = 0;
        for (std::size_t i = bytes; i-- > 0;) {
            value = value << 8 | data[at + i];
        }
        return value;
    };
    std::size_t at = 0;
    while (at < size) {
        const OpcodeArguments arguments = argumentsOf(data[at++]);
        switch (arguments.kind) {
        case OpcodeArguments::Stop:
        case OpcodeArguments::Unknown:
            return false;
        case OpcodeArguments::None:
            break;
        case OpcodeArguments::Lines:
            for (std::size_t line = 0; line < arguments.bytes; ++line) {
                while (at < size && data[at] != '\n') {
                    ++at;
                }
                if (at == size) {
                    return false;
                }
                ++at;
            }
            break;
        case OpcodeArguments::Fixed:
            if (size - at < arguments.bytes) {
                return false;
            }
            at += arguments.bytes;
            break;
        case OpcodeArguments::Counted: {
            if (size - at < arguments.bytes) {
                return false; // cut short: LibTorch says so without allocating
            }
            const std::uint64_t length = little(at, arguments.bytes);
            at += arguments.bytes;
            if (length > size - at) {
                return true;
            }
            at += std::size_t(length);
            break;
        }
        }
    }
    return false;
}

// The name -> tensor entries of a torch.save'd dict.
Result<std::map<std::string, torch::Tensor>> readStateDict(const fs::path &file)
{
    if (!std::ifstream(file, std::ios::binary)) {
        return makeError(ErrorCode::NotFound, file.string() + ": file not found");
    }
    if (auto whole = checkArchiveIntegrity(file, "a state_dict saved by torch.save"); !whole) {
        return whole.error();
    }
    c10::IValue loaded;
    try {
        // What torch::pickle_load(bytes) does, but through LibTorch's file reader, which keeps
        // every read inside the file: pickle_load's in-memory reader (LibTorch 1.13) copies
        // past the end of its buffer when a damaged archive's directory points there (found
        // by fuzz_checkpoint under AddressSanitizer).
        caffe2::serialize::PyTorchStreamReader reader(file.string());
        if (reader.hasRecord("data.pkl")) {
            const auto [pickle, size] = reader.getRecord("data.pkl");
            if (pickleClaimsMoreThanItHolds(static_cast<const unsigned char *>(pickle.get()),
                                            size)) {
                return makeError(ErrorCode::Corrupt, file.string() +
                                                         ": not a state_dict saved by "
                                                         "torch.save (its pickle is damaged)");
            }
        }
        loaded = torch::jit::readArchiveAndTensors(
            "data", /*pickle_prefix=*/"", /*tensor_prefix=*/"",
            /*type_resolver=*/c10::nullopt,
            /*obj_loader=*/c10::nullopt, /*device=*/c10::nullopt, reader);
    } catch (const std::exception &e) {
        return makeError(ErrorCode::Corrupt, file.string() +
                                                 ": not a state_dict saved by torch.save (" +
                                                 errorSummary(e, 160) + ")");
    }
    if (!loaded.isGenericDict()) {
        return makeError(ErrorCode::Incompatible,
                         file.string() + ": holds no dict of tensors; save a plain dict: "
                                         "torch.save(dict(model.state_dict()), FILE)");
    }
    std::map<std::string, torch::Tensor> tensors;
    for (const auto &entry : loaded.toGenericDict()) {
        if (entry.key().isString() && entry.value().isTensor()) {
            tensors[entry.key().toStringRef()] = entry.value().toTensor();
        }
    }
    return tensors;
}

} // namespace

Result<std::vector<std::pair<std::string, double>>> stateDictSums(const fs::path &file)
{
    auto tensors = readStateDict(file);
    if (!tensors) {
        return tensors.error();
    }
    std::vector<std::pair<std::string, double>> sums;
    for (const auto &[name, tensor] : *tensors) {
        sums.emplace_back(name, tensor.to(torch::kFloat64).sum().item<double>());
    }
    return sums;
}

Result<StateDictImport> importStateDict(ClassifierNetImpl &net, const fs::path &file)
{
    auto read = readStateDict(file);
    if (!read) {
        return read.error();
    }
    std::map<std::string, torch::Tensor> available = std::move(*read);
    StateDictImport report;
    torch::NoGradGuard noGrad;
    for (auto &[name, target] : namedTensors(net)) {
        const auto found = available.find(name);
        if (found == available.end()) {
            report.missing.push_back(name);
            continue;
        }
        torch::Tensor source = found->second.to(target.dtype());
        const bool firstConv = source.dim() == 4 && target.dim() == 4 &&
                               source.size(0) == target.size(0) &&
                               source.size(2) == target.size(2) && source.size(3) == target.size(3);
        if (source.sizes() == target.sizes()) {
            target.copy_(source);
            report.loaded.push_back(name);
        } else if (firstConv && source.size(1) == 3 && target.size(1) == 1) {
            target.copy_(source.sum(1, /*keepdim=*/true));
            report.adapted.push_back(name + ": RGB kernels summed for grey input");
        } else if (firstConv && source.size(1) == 1 && target.size(1) == 3) {
            target.copy_(source.expand_as(target) / 3);
            report.adapted.push_back(name + ": grey kernel spread over RGB");
        } else {
            report.skipped.push_back(name + ": shape " + c10::str(source.sizes()) +
                                     " in the file, " + c10::str(target.sizes()) + " here");
        }
        available.erase(found);
    }
    for (const auto &[name, tensor] : available) {
        report.skipped.push_back(name + ": no such tensor in this model");
    }
    if (report.loaded.empty() && report.adapted.empty()) {
        return makeError(ErrorCode::Incompatible,
                         file.string() + ": no tensor name matches this model; is it a state_dict "
                                         "of the same torchvision architecture?");
    }
    return report;
}

Status exportStateDict(const fs::path &runOrModel, const fs::path &file)
{
    auto folder = openModelFolder(runOrModel);
    if (!folder) {
        return folder.error();
    }
    auto net = loadTrainedNet(folder->dir, folder->card);
    if (!net) {
        return net.error();
    }
    c10::Dict<std::string, torch::Tensor> dict;
    for (const auto &[name, tensor] : namedTensors(**net)) {
        dict.insert(name, tensor.detach().to(torch::kCPU).contiguous());
    }
    try {
        const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
        return writeFileAtomically(file, std::string(bytes.begin(), bytes.end()));
    } catch (const std::exception &e) {
        return makeError(ErrorCode::WriteFailed, file.string() + ": cannot write the state_dict (" +
                                                     errorSummary(e, 160) + ")");
    }
}

} // namespace cxr::ml
