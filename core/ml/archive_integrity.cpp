// SPDX-License-Identifier: MIT
#include "core/ml/archive_integrity.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <vector>

#ifdef CXR_HAVE_ZLIB
#include <zlib.h>
#endif

namespace cxr::ml {

namespace {

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
constexpr std::uint32_t kLocalHeader = 0x04034b50;

std::uint64_t little(const unsigned char *bytes, int count)
{
    std::uint64_t value = 0;
    for (int i = count - 1; i >= 0; --i) {
        value = value << 8 | bytes[i];
    }
    return value;
}

// CRC-32 (ISO-HDLC, as zip uses), continued from crc over data.
std::uint32_t crcUpdate(std::uint32_t crc, const unsigned char *data, std::size_t size)
{
#ifdef CXR_HAVE_ZLIB
    return std::uint32_t(::crc32(uLong(crc), data, uInt(size))); // several times faster
#else
    static const std::array<std::uint32_t, 256> table = [] {
        std::array<std::uint32_t, 256> t{};
        for (std::uint32_t n = 0; n < 256; ++n) {
            std::uint32_t c = n;
            for (int k = 0; k < 8; ++k) {
                c = (c & 1) ? 0xEDB88320U ^ (c >> 1) : c >> 1;
            }
            t[n] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (std::size_t i = 0; i < size; ++i) {
        crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    }
    return ~crc;
#endif
}

class ArchiveReader {
public:
    explicit ArchiveReader(const std::filesystem::path &file) : m_in(file, std::ios::binary)
    {
        m_in.seekg(0, std::ios::end);
        m_size = m_in ? std::uint64_t(m_in.tellg()) : 0;
    }
    bool open() const { return bool(m_in); }
    std::uint64_t size() const { return m_size; }
    // count bytes at offset, or false when the file ends first.
    bool read(std::uint64_t offset, std::uint64_t count, std::vector<unsigned char> &bytes)
    {
        if (offset > m_size || count > m_size - offset) {
            return false;
        }
        bytes.resize(std::size_t(count));
        m_in.clear();
        m_in.seekg(std::streamoff(offset));
        return bool(m_in.read(reinterpret_cast<char *>(bytes.data()), std::streamsize(count)));
    }
    // The CRC-32 of count bytes at offset, read in blocks.
    bool crcOf(std::uint64_t offset, std::uint64_t count, std::uint32_t &crc)
    {
        std::vector<unsigned char> block;
        crc = 0;
        for (std::uint64_t done = 0; done < count;) {
            const std::uint64_t step = std::min<std::uint64_t>(count - done, 1 << 20);
            if (!read(offset + done, step, block)) {
                return false;
            }
            crc = crcUpdate(crc, block.data(), block.size());
            done += step;
        }
        return true;
    }

#ifdef CXR_HAVE_ZLIB
    // The CRC-32 of a deflated record's inflated bytes; false when it does not inflate to
    // exactly expectedSize bytes (damage, or a record that claims less than it holds).
    bool inflatedCrcOf(std::uint64_t offset, std::uint64_t count, std::uint64_t expectedSize,
                       std::uint32_t &crc)
    {
        z_stream stream{};
        if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) { // raw deflate, as zip stores it
            return false;
        }
        std::vector<unsigned char> block;
        std::vector<unsigned char> out(1 << 16);
        std::uint64_t produced = 0;
        crc = 0;
        int status = Z_OK;
        for (std::uint64_t done = 0; done < count && status == Z_OK;) {
            const std::uint64_t step = std::min<std::uint64_t>(count - done, 1 << 20);
            if (!read(offset + done, step, block)) {
                inflateEnd(&stream);
                return false;
            }
            done += step;
            stream.next_in = block.data();
            stream.avail_in = uInt(block.size());
            // Until this block is used up and inflate has nothing more to give for it (a full
            // output buffer may leave output pending).
            do {
                stream.next_out = out.data();
                stream.avail_out = uInt(out.size());
                status = inflate(&stream, Z_NO_FLUSH);
                if (status == Z_BUF_ERROR && stream.avail_in == 0) {
                    status = Z_OK; // needs the next block
                    break;
                }
                const std::size_t got = out.size() - stream.avail_out;
                produced += got;
                if (produced > expectedSize || (status != Z_OK && status != Z_STREAM_END)) {
                    inflateEnd(&stream);
                    return false;
                }
                crc = crcUpdate(crc, out.data(), got);
            } while (status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0));
        }
        inflateEnd(&stream);
        return status == Z_STREAM_END && produced == expectedSize;
    }
#endif

private:
    std::ifstream m_in;
    std::uint64_t m_size = 0;
};

struct Record {
    std::string name;
    std::uint64_t method = 0; // 0 stored, 8 deflated
    std::uint32_t crc = 0;
    std::uint64_t stored = 0;       // bytes in the file
    std::uint64_t uncompressed = 0; // bytes once inflated
    std::uint64_t headerOffset = 0;
    std::uint64_t dataOffset = 0;
};

struct Directory {
    std::uint64_t entries = 0;
    std::uint64_t offset = 0;
    std::uint64_t size = 0;
};

// The central directory, from the end-of-directory record (zip64's when the sizes need it).
std::optional<Directory> findDirectory(ArchiveReader &reader)
{
    const std::uint64_t tail = std::min<std::uint64_t>(reader.size(), 22 + 0xFFFF);
    std::vector<unsigned char> bytes;
    if (tail < 22 || !reader.read(reader.size() - tail, tail, bytes)) {
        return std::nullopt;
    }
    for (std::size_t at = bytes.size() - 22 + 1; at-- > 0;) {
        if (little(&bytes[at], 4) != kEndOfDirectory) {
            continue;
        }
        Directory d{little(&bytes[at + 10], 2), little(&bytes[at + 16], 4),
                    little(&bytes[at + 12], 4)};
        const std::uint64_t end = reader.size() - tail + at;
        if ((d.entries == 0xFFFF || d.offset == 0xFFFFFFFF || d.size == 0xFFFFFFFF) && end >= 20) {
            std::vector<unsigned char> locator;
            std::vector<unsigned char> record;
            if (!reader.read(end - 20, 20, locator) || little(locator.data(), 4) != kZip64Locator ||
                !reader.read(little(&locator[8], 8), 56, record) ||
                little(record.data(), 4) != kZip64EndOfDirectory) {
                return std::nullopt;
            }
            d = {little(&record[32], 8), little(&record[48], 8), little(&record[40], 8)};
        }
        return d;
    }
    return std::nullopt;
}

Error damagedArchive(const std::filesystem::path &file, const std::string &why)
{
    return makeError(ErrorCode::Corrupt, file.string() + ": damaged (" + why + ")");
}

// Zip64: the 8-byte sizes and offset stand in an extra field, in this order, for the fields
// that hold 0xFFFFFFFF. extra points at the entry's extra fields.
void applyZip64Extra(const unsigned char *extra, std::size_t extraLength, Record &record)
{
    for (std::size_t x = 0; x + 4 <= extraLength;) {
        const std::uint64_t id = little(extra + x, 2);
        const std::size_t length = little(extra + x + 2, 2);
        std::size_t field = x + 4;
        if (id == 0x0001) {
            const std::size_t end = std::min(x + 4 + length, extraLength);
            auto next = [&](std::uint64_t &value) {
                if (value == 0xFFFFFFFF && field + 8 <= end) {
                    value = little(extra + field, 8);
                    field += 8;
                }
            };
            next(record.uncompressed);
            next(record.stored);
            next(record.headerOffset);
        }
        x += 4 + length;
    }
}

// Every directory entry as a record: a name given once, a method LibTorch writes, and a local
// header at its offset.
Result<std::vector<Record>> readRecords(ArchiveReader &reader, const Directory &directory,
                                        const std::vector<unsigned char> &entries,
                                        const std::filesystem::path &file)
{
    std::set<std::string> names;
    std::vector<Record> records;
    std::vector<unsigned char> local;
    std::size_t at = 0;
    for (std::uint64_t n = 0; n < directory.entries; ++n) {
        const std::string malformed = "directory entry " + std::to_string(n + 1) + " is malformed";
        if (at + 46 > entries.size() || little(&entries[at], 4) != kDirectoryEntry) {
            return damagedArchive(file, malformed);
        }
        const unsigned char *e = &entries[at];
        Record record;
        record.method = little(e + 10, 2);
        record.crc = std::uint32_t(little(e + 16, 4));
        record.stored = little(e + 20, 4);
        record.uncompressed = little(e + 24, 4);
        record.headerOffset = little(e + 42, 4);
        const std::size_t nameLength = little(e + 28, 2);
        const std::size_t extraLength = little(e + 30, 2);
        const std::size_t commentLength = little(e + 32, 2);
        if (at + 46 + nameLength + extraLength + commentLength > entries.size()) {
            return damagedArchive(file, malformed);
        }
        record.name.assign(reinterpret_cast<const char *>(e + 46), nameLength);
        applyZip64Extra(e + 46 + nameLength, extraLength, record);
        at += 46 + nameLength + extraLength + commentLength;
        if (!names.insert(record.name).second) {
            return damagedArchive(file, "it lists " + record.name + " twice");
        }
        if (record.method != 0 && record.method != 8) {
            return damagedArchive(file,
                                  record.name + " is compressed in a way LibTorch does not write");
        }
        if (!reader.read(record.headerOffset, 30, local) ||
            little(local.data(), 4) != kLocalHeader) {
            return damagedArchive(file, record.name + " has no record at its offset");
        }
        record.dataOffset =
            record.headerOffset + 30 + little(&local[26], 2) + little(&local[28], 2);
        records.push_back(std::move(record));
    }
    return records;
}

// Records side by side and before the directory: a crafted directory could otherwise point many
// entries at one record and make the check read (or inflate) it over and over.
Status checkLayout(std::vector<Record> &records, const Directory &directory,
                   const ArchiveReader &reader, const std::filesystem::path &file)
{
    std::sort(records.begin(), records.end(),
              [](const Record &a, const Record &b) { return a.headerOffset < b.headerOffset; });
    for (std::size_t k = 0; k < records.size(); ++k) {
        const std::uint64_t end = records[k].dataOffset + records[k].stored;
        const std::uint64_t limit =
            k + 1 < records.size() ? records[k + 1].headerOffset : directory.offset;
        if (records[k].stored > reader.size() || end > limit) {
            return damagedArchive(file,
                                  records[k].name + " overlaps the next record or the directory");
        }
    }
    return Ok{};
}

// Each record's data against its CRC-32, inflated first when deflated.
Status checkData(const std::vector<Record> &records, ArchiveReader &reader,
                 const std::filesystem::path &file)
{
    for (const Record &record : records) {
        std::uint32_t crc = 0;
        if (record.method == 8) { // deflated: LibTorch compresses its TorchScript source
#ifdef CXR_HAVE_ZLIB
            if (!reader.inflatedCrcOf(record.dataOffset, record.stored, record.uncompressed, crc)) {
                return damagedArchive(file, "the data of " + record.name +
                                                " does not inflate to its size");
            }
#else
            continue; // built without zlib: LibTorch's own reader checks what it can
#endif
        } else if (!reader.crcOf(record.dataOffset, record.stored, crc)) {
            return damagedArchive(file, record.name + " runs past the end of the file");
        }
        if (crc != record.crc) {
            return damagedArchive(file,
                                  "the data of " + record.name + " does not match its CRC-32");
        }
    }
    return Ok{};
}

} // namespace

Status checkArchiveIntegrity(const std::filesystem::path &file, const std::string &kind)
{
    ArchiveReader reader(file);
    if (!reader.open()) {
        return makeError(ErrorCode::NotReadable, file.string() + ": cannot be read");
    }
    const std::optional<Directory> directory = findDirectory(reader);
    if (!directory || directory->entries == 0) {
        return makeError(ErrorCode::Corrupt,
                         file.string() + ": not " + kind +
                             " (not a zip archive as LibTorch writes, or its directory is lost)");
    }
    std::vector<unsigned char> entries;
    if (directory->size > reader.size() ||
        !reader.read(directory->offset, directory->size, entries)) {
        return damagedArchive(file, "its directory lies outside the file");
    }
    auto records = readRecords(reader, *directory, entries, file);
    if (!records) {
        return records.error();
    }
    if (auto laidOut = checkLayout(*records, *directory, reader, file); !laidOut) {
        return laidOut;
    }
    return checkData(*records, reader, file);
}

} // namespace cxr::ml
