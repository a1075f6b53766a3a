// SPDX-License-Identifier: MIT
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cxr {

// What kind of expected failure happened; the message says where and why.
enum class ErrorCode {
    NotFound,        // a file or folder that does not exist
    NotReadable,     // exists but cannot be opened (permissions, not a regular file)
    Corrupt,         // the bytes are not a valid file of the kind they claim to be
    Unsupported,     // a valid file we do not handle (format, transfer syntax, layout)
    InvalidArgument, // a setting or parameter out of range
    InvalidDataset,  // folder layout, classes or splits unusable for the request
    WriteFailed,     // an output could not be written
    Incompatible,    // a model, checkpoint or file made for something else
    Cancelled,       // the user stopped the work
    Network,         // a remote DICOM node could not be reached, refused us, or failed
    Internal,        // a third-party library failed in a way we did not foresee
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message; // one line, names the file or setting and the problem
};

// Either a value or an Error; the expected-style return type of every core function that can
// fail on user input. Accessing the wrong alternative is a programming error (assert).
template <typename T> class Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T &value() &
    {
        assert(ok());
        return std::get<T>(m_state);
    }
    const T &value() const &
    {
        assert(ok());
        return std::get<T>(m_state);
    }
    T &&value() &&
    {
        assert(ok());
        return std::get<T>(std::move(m_state));
    }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() { return value(); }
    const T &operator*() const { return value(); }

    const Error &error() const
    {
        assert(!ok());
        return std::get<Error>(m_state);
    }

private:
    std::variant<T, Error> m_state;
};

// Result<void>: success or an Error.
struct Ok {};
using Status = Result<Ok>;

inline Error makeError(ErrorCode code, std::string message)
{
    return Error{code, std::move(message)};
}

} // namespace cxr
