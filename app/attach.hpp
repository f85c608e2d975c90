// `--server URL` (repeatable): the dashboard, `check` and `wait` read one or more `shipwatch serve`
// instead of AWS and GitHub (engine/remote_pictures.hpp); no AWS credentials are needed.
#pragma once

#include <memory>
#include <string>

#include "app/options.hpp"
#include "base/result.hpp"
#include "engine/remote_pictures.hpp"

namespace shipwatch::app {

// The servers' pictures, not started; a usage error for a flag that only applies to AWS (the
// server has the configuration), a URL that is not http(s), or an unreadable --token-file.
Result<std::unique_ptr<MergedPictures>> attach(const Options& o);

// The bearer token of --token-file: one line of printable ASCII (serve's and the viewers').
Result<std::string> read_token(const std::string& path);

}  // namespace shipwatch::app
