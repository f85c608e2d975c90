// Issue 13: credentials in a version_url (user:password@, ?token=) were shown verbatim.
#include <gtest/gtest.h>

#include "model/redact.hpp"

namespace shipwatch {
namespace {

TEST(RedactUrl, UserinfoAndCredentialParametersAreHidden) {
    EXPECT_EQ(redact_url("https://app.example/version"), "https://app.example/version");
    EXPECT_EQ(redact_url("https://deploy:hunter2@app.example:8443/v"), "https://***@app.example:8443/v");
    EXPECT_EQ(redact_url("https://ghp_abc@app.example"), "https://***@app.example");
    EXPECT_EQ(redact_url("https://app.example/v?env=prod&access_token=abc&X-Amz-Signature=f00&apiKey=k#top"),
              "https://app.example/v?env=prod&access_token=***&X-Amz-Signature=***&apiKey=***#top");
    EXPECT_EQ(redact_url("https://app.example/v?token=&flag"), "https://app.example/v?token=&flag");
    // An @ in the path is no userinfo.
    EXPECT_EQ(redact_url("https://app.example/users/@me?x=1"), "https://app.example/users/@me?x=1");
    EXPECT_EQ(redact_url("not a url"), "not a url");
    EXPECT_EQ(redact_url(""), "");
}

}  // namespace
}  // namespace shipwatch
