// The keys a transport signs requests with (SigV4), from whoever resolves them. Declared here so
// the HTTP stack can sign without knowing where keys come from (aws::CredentialsProvider).
#pragma once

#include <string>

#include "base/result.hpp"

namespace shipwatch {

struct SigningKey {
    std::string access_key_id;
    std::string secret_access_key;
    std::string session_token;  // empty for long-term keys
};

class SigningKeys {
public:
    virtual ~SigningKeys() = default;
    // Safe to call from several threads. An error is one line naming what to fix, never a secret.
    virtual Result<SigningKey> keys() = 0;
    // A service refused these keys (expired before their time): the next keys() resolves afresh.
    virtual void refused(const SigningKey&) {}
};

}  // namespace shipwatch
