// Asks a running service which version it reports (a /version or /health endpoint).
#pragma once

#include <string>

#include "http/transport.hpp"
#include "model/error_context.hpp"
#include "model/types.hpp"

namespace shipwatch {

// The reading of a version endpoint's error answer for the retry layer: HTTP's own rules (429
// and 5xx retryable, 401/403 broken), and a JSON body's `message` in the description
// ("HTTP 503: draining").
AnswerReading read_version_answer(const HttpResponse& response);

// Plain GET of `url`, counted against the "version" budget under the URL's host. With `json_pointer` ("/build/sha") the member it names is the version
// (a string, or a number as written). Without one, the first 7..40-character hex run in the
// body, else a short one-line body itself. Failures land in `error`, never thrown.
// What a failed fetch asked, for its error: "GET https://host/version", without the user and
// password a URL may carry, and without its query (it may hold a token).
ErrorContext version_call(const std::string& url);

VersionObservation fetch_version(Transport& transport, const std::string& url, const std::string& json_pointer,
                                 TimePoint now);

}  // namespace shipwatch
