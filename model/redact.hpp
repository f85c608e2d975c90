// URLs as shown: a version endpoint may be configured with credentials in it
// (https://user:password@host/..., ?token=...), and shipwatch never prints a secret. Every place
// that shows a configured URL (evidence, panes, JSON, next steps) shows it through here; only
// the request itself carries the real one.
#pragma once

#include <string>
#include <string_view>

namespace shipwatch {

// `url` with its userinfo replaced by "***" and the value of each query parameter whose name
// says it is a credential (token, key, secret, password, signature, X-Amz-Credential, ...)
// replaced by "***". Other parameters and the fragment stay as they are.
std::string redact_url(std::string_view url);

}  // namespace shipwatch
