// Asks a running service which version it reports (a /version or /health endpoint).
#pragma once

#include <string>

#include "http/transport.hpp"
#include "model/types.hpp"

namespace shipwatch {

// Plain GET of `url`. With `json_pointer` ("/build/sha") the member it names is the version
// (a string, or a number as written). Without one, the first 7..40-character hex run in the
// body, else a short one-line body itself. Failures land in `error`, never thrown.
VersionObservation fetch_version(Transport& transport, const std::string& url, const std::string& json_pointer,
                                 TimePoint now);

}  // namespace shipwatch
