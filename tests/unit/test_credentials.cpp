// Credential, region and endpoint resolution as the AWS CLI does it: environment, profiles in
// the shared files, credential_process, the CLI for SSO/assume-role, the ECS container endpoint
// and EC2 IMDSv2 (both on loopback servers), refresh before expiry, error wording, and a stop
// request ending each wait of a resolution (a hanging command, a silent metadata service).
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stop_token>
#include <thread>

#include "http/curl_transport.hpp"
#include "sources/aws/config_files.hpp"
#include "sources/aws/credential_process.hpp"
#include "sources/aws/credentials.hpp"
#include "sources/aws/endpoint_env.hpp"
#include "unit/loopback_server.hpp"

namespace shipwatch::aws {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using shipwatch::testing::LoopbackServer;

const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

// A scratch HOME with ~/.aws, removed afterwards.
struct Home {
    fs::path dir;
    Home() {
        dir = fs::temp_directory_path() / ("shipwatch-creds-" + std::to_string(::getpid()) + "-" +
                                           std::to_string(counter()++));
        fs::create_directories(dir / ".aws");
    }
    ~Home() { fs::remove_all(dir); }
    static std::atomic<int>& counter() {
        static std::atomic<int> n{0};
        return n;
    }
    std::string write(const std::string& relative, const std::string& text, bool executable = false) const {
        fs::path p = dir / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << text;
        if (executable) fs::permissions(p, fs::perms::owner_all);
        return p.string();
    }
    // The environment of a machine with nothing configured except what the test adds.
    std::map<std::string, std::string> env(std::map<std::string, std::string> extra = {}) const {
        extra.emplace("HOME", dir.string());
        extra.emplace("AWS_EC2_METADATA_DISABLED", "true");
        return extra;
    }
};

CredentialOptions options_for(const std::map<std::string, std::string>& vars) {
    CredentialOptions options;
    options.env = fixed_environment(vars);
    options.process_timeout = 5s;
    return options;
}

Result<AwsCredentials> resolve(const std::map<std::string, std::string>& vars, std::string profile = "") {
    CredentialOptions options = options_for(vars);
    options.profile = std::move(profile);
    return DefaultCredentialsChain(options).resolve();
}

TEST(Ini, SectionsCommentsAndNestedBlocks) {
    IniFile file = parse_ini(
        "# comment\n[default]\nregion = eu-west-1\n; another\n[profile prod]\n"
        "aws_access_key_id=AKIDPROD\ns3 =\n  max_concurrent_requests = 10\n  region = wrong\n"
        "output = json\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n");
    EXPECT_EQ(file["default"]["region"], "eu-west-1");
    EXPECT_EQ(file["profile prod"]["aws_access_key_id"], "AKIDPROD");
    EXPECT_EQ(file["profile prod"].count("max_concurrent_requests"), 0u);
    EXPECT_EQ(file["profile prod"].count("region"), 0u);
    EXPECT_EQ(file["profile prod"]["output"], "json");
    EXPECT_EQ(file["sso-session corp"]["sso_start_url"], "https://corp.awsapps.com/start");
}

TEST(Credentials, Environment) {
    Home home;
    auto creds = resolve(home.env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", kSecret},
                                   {"AWS_SESSION_TOKEN", "TOKEN"}}));
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "AKIDENV");
    EXPECT_EQ(creds->secret_access_key, kSecret);
    EXPECT_EQ(creds->session_token, "TOKEN");
    EXPECT_EQ(creds->source, "environment");

    auto half = resolve(home.env({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}));
    ASSERT_FALSE(half);
    EXPECT_EQ(half.error().message, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
}

TEST(Credentials, ProfilesFromBothFiles) {
    Home home;
    home.write(".aws/credentials",
               "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n"
               "[prod]\naws_access_key_id = AKIDPROD\naws_secret_access_key = s2\naws_session_token = t2\n");
    home.write(".aws/config",
               "[default]\nregion = us-east-1\n[profile prod]\nregion = eu-west-1\n"
               "aws_access_key_id = AKIDIGNORED\naws_secret_access_key = x\n"
               "[profile staging]\naws_access_key_id = AKIDSTAGING\naws_secret_access_key = s3\n");

    auto def = resolve(home.env());
    ASSERT_TRUE(def) << def.error().message;
    EXPECT_EQ(def->access_key_id, "AKIDDEFAULT");

    auto prod = resolve(home.env({{"AWS_PROFILE", "prod"}}));
    ASSERT_TRUE(prod) << prod.error().message;
    EXPECT_EQ(prod->access_key_id, "AKIDPROD");  // the credentials file wins
    EXPECT_EQ(prod->session_token, "t2");
    EXPECT_EQ(prod->source, "profile prod");

    auto staging = resolve(home.env(), "staging");  // explicit, from the pipeline config
    ASSERT_TRUE(staging) << staging.error().message;
    EXPECT_EQ(staging->access_key_id, "AKIDSTAGING");

    // Keys in the environment win over AWS_PROFILE, but not over an explicit profile.
    auto env_keys = home.env({{"AWS_PROFILE", "prod"}, {"AWS_ACCESS_KEY_ID", "AKIDENV"}, {"AWS_SECRET_ACCESS_KEY", "e"}});
    EXPECT_EQ(resolve(env_keys)->access_key_id, "AKIDENV");
    EXPECT_EQ(resolve(env_keys, "staging")->access_key_id, "AKIDSTAGING");
}

TEST(Credentials, CustomFileLocations) {
    Home home;
    std::string creds = home.write("elsewhere/creds", "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s\n");
    std::string config = home.write("elsewhere/config", "[profile ci]\nregion = ap-south-1\n");
    auto vars = home.env({{"AWS_SHARED_CREDENTIALS_FILE", creds}, {"AWS_CONFIG_FILE", config}, {"AWS_PROFILE", "ci"}});
    auto resolved = resolve(vars);
    ASSERT_TRUE(resolved) << resolved.error().message;
    EXPECT_EQ(resolved->access_key_id, "AKIDCI");
    EXPECT_EQ(resolve_region("", "", fixed_environment(vars)).value(), "ap-south-1");
}

TEST(Credentials, UnknownProfileAndNothingAtAll) {
    Home home;
    auto missing = resolve(home.env({{"AWS_PROFILE", "nope"}}));
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message.find("AWS profile 'nope' not found in"), std::string::npos)
        << missing.error().message;
    EXPECT_EQ(missing.error().code, "credentials");

    auto none = resolve(home.env());
    ASSERT_FALSE(none);
    EXPECT_EQ(none.error().message,
              "no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID, or run aws sso login --profile default");
}

const std::string kProcessJson =
    R"({"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": ")" + kSecret +
    R"(", "SessionToken": "PROCTOKEN", "Expiration": "2030-01-02T03:04:05Z"})";

TEST(Credentials, CredentialProcess) {
    Home home;
    std::string script = home.write("bin/creds helper", "#!/bin/sh\n[ \"$1\" = \"--role\" ] || exit 3\n"
                                                        "[ \"$2\" = \"read only\" ] || exit 4\ncat <<'J'\n" +
                                                            kProcessJson + "\nJ\n",
                                    true);
    home.write(".aws/config", "[profile proc]\ncredential_process = \"" + script + "\" --role 'read only'\n");
    auto creds = resolve(home.env({{"AWS_PROFILE", "proc"}}));
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "AKIDPROC");
    EXPECT_EQ(creds->secret_access_key, kSecret);
    EXPECT_EQ(creds->session_token, "PROCTOKEN");
    ASSERT_TRUE(creds->expiration);
    EXPECT_EQ(format_iso8601(*creds->expiration), "2030-01-02T03:04:05Z");
}

TEST(Credentials, CredentialProcessFailuresAreClearAndSecretFree) {
    Home home;
    home.write("bin/fail", "#!/bin/sh\necho 'token expired, run corp-login' >&2\nexit 1\n", true);
    home.write("bin/garbage", "#!/bin/sh\necho 'AccessKeyId=AKID SecretAccessKey=" + kSecret + "'\n", true);
    home.write("bin/v2", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" + kSecret + "\"}'\n", true);
    home.write("bin/slow", "#!/bin/sh\nsleep 5\n", true);
    std::string bin = (home.dir / "bin").string();
    home.write(".aws/config", "[profile fail]\ncredential_process = " + bin + "/fail\n[profile garbage]\ncredential_process = " +
                                  bin + "/garbage\n[profile v2]\ncredential_process = " + bin +
                                  "/v2\n[profile slow]\ncredential_process = " + bin +
                                  "/slow\n[profile absent]\ncredential_process = " + bin + "/absent\n");

    auto fail = resolve(home.env({{"AWS_PROFILE", "fail"}}));
    ASSERT_FALSE(fail);
    EXPECT_EQ(fail.error().message, "credential_process of profile 'fail' failed (exit 1): token expired, run corp-login");

    auto garbage = resolve(home.env({{"AWS_PROFILE", "garbage"}}));
    ASSERT_FALSE(garbage);
    EXPECT_EQ(garbage.error().message, "credential_process of profile 'garbage' did not print a JSON object");

    auto v2 = resolve(home.env({{"AWS_PROFILE", "v2"}}));
    ASSERT_FALSE(v2);
    EXPECT_NE(v2.error().message.find("\"Version\": 1 is required"), std::string::npos);
    EXPECT_EQ(v2.error().message.find(kSecret), std::string::npos);

    CredentialOptions options = options_for(home.env({{"AWS_PROFILE", "slow"}}));
    options.process_timeout = 300ms;
    auto start = std::chrono::steady_clock::now();
    auto slow = DefaultCredentialsChain(options).resolve();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
    ASSERT_FALSE(slow);
    EXPECT_EQ(slow.error().message, "credential_process of profile 'slow' did not finish within 0.3 s");

    auto absent = resolve(home.env({{"AWS_PROFILE", "absent"}}));
    ASSERT_FALSE(absent);
    EXPECT_NE(absent.error().message.find("could not run"), std::string::npos) << absent.error().message;
}

TEST(Credentials, SsoAndAssumeRoleGoThroughTheAwsCli) {
    Home home;
    std::string args_file = (home.dir / "args").string();
    std::string fake_aws = home.write("bin/aws",
                                      "#!/bin/sh\necho \"$@\" >> '" + args_file +
                                          "'\nif [ \"$4\" = expired ]; then echo 'Error when retrieving token from sso: "
                                          "Token has expired and refresh failed' >&2; exit 255; fi\ncat <<'J'\n" +
                                          kProcessJson + "\nJ\n",
                                      true);
    home.write(".aws/config",
               "[profile sso]\nsso_session = corp\nsso_account_id = 1234\nsso_role_name = ReadOnly\n"
               "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
               "[profile legacy-sso]\nsso_start_url = https://corp.awsapps.com/start\n"
               "[profile role]\nrole_arn = arn:aws:iam::1234:role/ReadOnly\nsource_profile = default\n"
               "[profile expired]\nsso_session = corp\n");

    CredentialOptions options = options_for(home.env());
    options.aws_cli = fake_aws;
    for (const char* profile : {"sso", "legacy-sso", "role"}) {
        options.profile = profile;
        auto creds = DefaultCredentialsChain(options).resolve();
        ASSERT_TRUE(creds) << profile << ": " << creds.error().message;
        EXPECT_EQ(creds->access_key_id, "AKIDPROC");
        EXPECT_EQ(creds->source, std::string("profile ") + profile);
    }
    std::ifstream in(args_file);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "configure export-credentials --profile sso --format process");

    options.profile = "expired";
    auto expired = DefaultCredentialsChain(options).resolve();
    ASSERT_FALSE(expired);
    EXPECT_EQ(expired.error().message,
              "profile 'expired' (SSO): aws configure export-credentials --profile expired failed: Error when "
              "retrieving token from sso: Token has expired and refresh failed; run aws sso login --profile expired");

    options.aws_cli = home.write("bin/aws-v1",
                                 "#!/bin/sh\necho 'usage: Note: AWS CLI version 2 ...' >&2\n"
                                 "echo 'aws: error: argument subcommand: Invalid choice, valid choices are:' >&2\nexit 2\n",
                                 true);
    options.profile = "sso";
    auto v1 = DefaultCredentialsChain(options).resolve();
    ASSERT_FALSE(v1);
    EXPECT_NE(v1.error().message.find("needs the AWS CLI v2"), std::string::npos) << v1.error().message;

    options.aws_cli = (home.dir / "bin/no-such-aws").string();
    options.profile = "sso";
    auto no_cli = DefaultCredentialsChain(options).resolve();
    ASSERT_FALSE(no_cli);
    EXPECT_NE(no_cli.error().message.find("needs the AWS CLI v2"), std::string::npos) << no_cli.error().message;
}

// ---- metadata services on loopback

std::string metadata_json(const std::string& key, TimePoint expiration) {
    return R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":")" + key + R"(","SecretAccessKey":")" + kSecret +
           R"(","Token":"METATOKEN","Expiration":")" + format_iso8601(expiration) + R"("})";
}

TEST(Credentials, EcsContainerFullUriWithTokenFile) {
    Home home;
    LoopbackServer server;
    std::string seen_auth;
    server.server.Get("/v2/credentials/abc", [&](const httplib::Request& req, httplib::Response& res) {
        seen_auth = req.get_header_value("Authorization");
        res.set_content(metadata_json("AKIDTASK", TimePoint(std::chrono::seconds(1'900'000'000))), "application/json");
    });
    server.start();
    std::string token_file = home.write("token", "from-file\n");
    auto creds = resolve(home.env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", server.url("/v2/credentials/abc")},
                                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable"},
                                   {"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file}}));
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "AKIDTASK");
    EXPECT_EQ(creds->session_token, "METATOKEN");
    EXPECT_EQ(seen_auth, "from-file");
    EXPECT_EQ(creds->source, "container role");

    auto refused = resolve(home.env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://evil.example.com/creds"}}));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("must be https or a loopback"), std::string::npos);
}

TEST(Credentials, EcsContainerRelativeUri) {
    Home home;
    LoopbackServer server;
    server.server.Get("/v2/credentials/task-1", [&](const httplib::Request&, httplib::Response& res) {
        res.set_content(metadata_json("AKIDREL", TimePoint(std::chrono::seconds(1'900'000'000))), "application/json");
    });
    server.start();
    CredentialOptions options = options_for(home.env({{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/task-1"}}));
    options.container_endpoint = server.url();
    auto creds = DefaultCredentialsChain(options).resolve();
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "AKIDREL");
}

struct FakeImds {
    LoopbackServer server;
    std::atomic<int> token_calls{0}, credential_calls{0};
    std::string key = "AKIDEC2";
    const ClockSource* clock = nullptr;
    FakeImds() {
        server.server.Put("/latest/api/token", [this](const httplib::Request& req, httplib::Response& res) {
            ++token_calls;
            if (req.get_header_value("X-aws-ec2-metadata-token-ttl-seconds").empty()) {
                res.status = 400;
                return;
            }
            res.set_content("SESSION", "text/plain");
        });
        auto need_token = [](const httplib::Request& req, httplib::Response& res) {
            if (req.get_header_value("X-aws-ec2-metadata-token") == "SESSION") return true;
            res.status = 401;
            return false;
        };
        server.server.Get("/latest/meta-data/iam/security-credentials/",
                          [need_token](const httplib::Request& req, httplib::Response& res) {
                              if (need_token(req, res)) res.set_content("shipwatch-role", "text/plain");
                          });
        server.server.Get("/latest/meta-data/iam/security-credentials/shipwatch-role",
                          [this, need_token](const httplib::Request& req, httplib::Response& res) {
                              if (!need_token(req, res)) return;
                              ++credential_calls;
                              TimePoint now = clock ? clock->now() : TimePoint(std::chrono::seconds(1'900'000'000));
                              res.set_content(metadata_json(key + std::to_string(credential_calls.load()), now + 10min),
                                              "application/json");
                          });
        server.start();
    }
};

TEST(Credentials, Ec2ImdsV2) {
    Home home;
    FakeImds imds;
    auto vars = home.env();
    vars.erase("AWS_EC2_METADATA_DISABLED");
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.server.url();
    auto creds = resolve(vars);
    ASSERT_TRUE(creds) << creds.error().message;
    EXPECT_EQ(creds->access_key_id, "AKIDEC21");
    EXPECT_EQ(creds->session_token, "METATOKEN");
    EXPECT_EQ(creds->source, "instance role shipwatch-role");
    EXPECT_EQ(imds.token_calls.load(), 1);

    vars["AWS_EC2_METADATA_DISABLED"] = "TRUE";
    EXPECT_FALSE(resolve(vars));
    EXPECT_EQ(imds.token_calls.load(), 1);
}

TEST(Credentials, NoImdsAnswersQuickly) {
    Home home;
    int port;
    {
        LoopbackServer closed;
        closed.start();
        port = closed.port();
    }
    auto vars = home.env();
    vars.erase("AWS_EC2_METADATA_DISABLED");
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:" + std::to_string(port);
    auto start = std::chrono::steady_clock::now();
    auto creds = resolve(vars);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    ASSERT_FALSE(creds);
    EXPECT_TRUE(creds.error().message.starts_with("no AWS credentials"));
}

// The chain with nothing but instance metadata to find, on a clock the test moves.
struct ImdsOnlyChain {
    Home home;
    FakeImds imds;
    ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
    std::unique_ptr<DefaultCredentialsChain> chain;
    ImdsOnlyChain() {
        imds.clock = &clock;
        auto vars = home.env();
        vars.erase("AWS_EC2_METADATA_DISABLED");
        CredentialOptions options = options_for(vars);
        options.imds_endpoint = imds.server.url();
        options.clock = &clock;
        chain = std::make_unique<DefaultCredentialsChain>(options);
    }
};

TEST(Credentials, RefreshesBeforeExpirationAndKeepsValidOnesOnFailure) {
    ImdsOnlyChain setup;
    auto& imds = setup.imds;
    auto& clock = setup.clock;
    auto& chain = *setup.chain;

    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC21");
    clock.advance(4min);  // 6 min left: still fresh
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC21");
    EXPECT_EQ(imds.credential_calls.load(), 1);
    clock.advance(2min);  // 4 min left: refresh
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC22");
    EXPECT_EQ(imds.credential_calls.load(), 2);

    // The service goes away: the still-valid credentials keep working, and the chain is not
    // asked again on every call.
    imds.server.stop();
    clock.advance(7min);  // 3 min left
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC22");
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC22");
    clock.advance(4min);  // expired
    auto gone = chain.credentials();
    ASSERT_FALSE(gone);
    EXPECT_TRUE(gone.error().message.starts_with("no AWS credentials"));
}

TEST(Credentials, CredentialsRefusedAsExpiredAreResolvedAgain) {
    // A service answering ExpiredToken before the Expiration shipwatch was told (a revoked
    // session, a skewed clock): the chain drops exactly those credentials and resolves again.
    ImdsOnlyChain setup;
    auto& imds = setup.imds;
    auto& clock = setup.clock;
    auto& chain = *setup.chain;

    auto first = chain.credentials();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->access_key_id, "AKIDEC21");
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC21");
    EXPECT_EQ(imds.credential_calls.load(), 1);
    chain.expired(first.value());
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC22");
    EXPECT_EQ(imds.credential_calls.load(), 2);
    // A late report about the old credentials does not throw away the new ones.
    chain.expired(first.value());
    EXPECT_EQ(chain.credentials()->access_key_id, "AKIDEC22");
    EXPECT_EQ(imds.credential_calls.load(), 2);
}

TEST(Credentials, ConcurrentCallersShareOneResolution) {
    ImdsOnlyChain setup;
    auto& imds = setup.imds;
    auto& clock = setup.clock;
    auto& chain = *setup.chain;
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i)
        threads.emplace_back([&] {
            for (int k = 0; k < 20; ++k)
                if (chain.credentials()) ++good;
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(good.load(), 160);
    EXPECT_EQ(imds.credential_calls.load(), 1);
}

// The pause after a failure counts from the failure: a resolution that took longer than the
// pause (a credential_process waited out to its time-out) is not rerun by the very next caller,
// which would keep every worker waiting one time-out after another.
TEST(Credentials, AResolutionSlowerThanTheRetryPauseIsNotRerunAtOnce) {
    Home home;
    std::string runs = (home.dir / "runs").string();
    std::string script = home.write("bin/slow", "#!/bin/sh\necho run >> '" + runs + "'\nexec sleep 5\n", true);
    home.write(".aws/config", "[profile slow]\ncredential_process = " + script + "\n");
    CredentialOptions options = options_for(home.env({{"AWS_PROFILE", "slow"}}));
    options.process_timeout = 300ms;
    options.failure_retry = 200ms;
    DefaultCredentialsChain chain(options);
    EXPECT_FALSE(chain.credentials());
    auto second = chain.credentials();  // within 200 ms of the first failure
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, "credential_process of profile 'slow' did not finish within 0.3 s");
    std::ifstream in(runs);
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    EXPECT_EQ(count, 1) << "the failed resolution ran again at once";
}

// ---- a stop request ends every wait of a resolution

// Runs `wait` here and requests stop `after` in from another thread; prints and returns the
// milliseconds from the stop request to `wait`'s return.
template <class Wait>
long long ms_after_stop(std::stop_source& stop, const char* what, Wait wait, std::chrono::milliseconds after = 300ms) {
    std::atomic<std::chrono::steady_clock::time_point> stopped_at{};
    std::jthread quitter([&] {
        std::this_thread::sleep_for(after);
        stopped_at = std::chrono::steady_clock::now();
        stop.request_stop();
    });
    wait();
    auto ended = std::chrono::steady_clock::now();
    quitter.join();
    long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(ended - stopped_at.load()).count();
    std::printf("%s: returned %lld ms after the stop request\n", what, ms);
    return ms;
}

// The process is gone: no such pid, or a zombie its (re)parent has not reaped yet.
bool process_gone(pid_t pid) {
    if (::kill(pid, 0) != 0) return errno == ESRCH;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string fields, state;
    std::getline(stat, fields, ')');
    stat >> state;
    return state == "Z";
}

pid_t pid_in(const fs::path& file) {
    for (int i = 0; i < 100; ++i) {  // the script writes it as it starts
        std::ifstream in(file);
        pid_t pid = 0;
        if (in >> pid && pid > 0) return pid;
        std::this_thread::sleep_for(10ms);
    }
    return 0;
}

// A command that never ends and starts a child that never ends either: stop kills both (the
// process group), well before the 30 s time-out.
TEST(RunCommand, StopKillsAHangingCommandAndItsChildren) {
    Home home;
    std::string pids = (home.dir / "pids").string();
    std::string script = home.write(
        "bin/hang", "#!/bin/sh\nsleep 30 &\necho $! > '" + pids + ".child'\necho $$ > '" + pids + "'\nwait\n", true);
    std::stop_source stop;
    CommandResult run;
    long long ms =
        ms_after_stop(stop, "a hanging command", [&] { run = run_command({script}, 30s, stop.get_token()); });
    EXPECT_TRUE(run.started);
    EXPECT_TRUE(run.cancelled);
    EXPECT_FALSE(run.timed_out);
    EXPECT_LT(ms, 1000) << "the command was not killed on stop";
    pid_t shell = pid_in(pids), child = pid_in(pids + ".child");
    ASSERT_GT(shell, 0);
    ASSERT_GT(child, 0);
    EXPECT_TRUE(process_gone(shell));
    for (int i = 0; i < 100 && !process_gone(child); ++i) std::this_thread::sleep_for(10ms);  // SIGKILL is async
    EXPECT_TRUE(process_gone(child)) << "the command's own child survived";

    // Once stopped, nothing is started.
    CommandResult after = run_command({script}, 30s, stop.get_token());
    EXPECT_FALSE(after.started);
    EXPECT_TRUE(after.cancelled);
}

// A command that closes its output but runs on is still bounded by the time-out and the stop.
TEST(RunCommand, ACommandThatClosedItsOutputIsKilledOnStop) {
    Home home;
    std::string script = home.write("bin/quiet", "#!/bin/sh\nexec >/dev/null 2>&1\nexec sleep 30\n", true);
    std::stop_source stop;
    CommandResult run;
    long long ms = ms_after_stop(stop, "a command with its output closed",
                                 [&] { run = run_command({script}, 30s, stop.get_token()); });
    EXPECT_TRUE(run.cancelled);
    EXPECT_LT(ms, 1000);
    auto started = std::chrono::steady_clock::now();
    CommandResult timed = run_command({script}, 200ms);
    EXPECT_TRUE(timed.timed_out);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
}

TEST(Credentials, StopEndsAHangingCredentialProcess) {
    Home home;
    std::string script = home.write("bin/hang", "#!/bin/sh\nexec sleep 30\n", true);
    home.write(".aws/config", "[profile hang]\ncredential_process = " + script + "\n");
    std::stop_source stop;
    CredentialOptions options = options_for(home.env({{"AWS_PROFILE", "hang"}}));
    options.process_timeout = 30s;
    options.stop = stop.get_token();
    DefaultCredentialsChain chain(options);
    Result<AwsCredentials> creds = credentials_error("not run");
    long long ms = ms_after_stop(stop, "a hanging credential_process", [&] { creds = chain.credentials(); });
    EXPECT_LT(ms, 1000) << "resolution waited for the credential_process";
    ASSERT_FALSE(creds);
    EXPECT_EQ(creds.error().message, "credential_process of profile 'hang': stopped (shipwatch is quitting)");
    // Asking again after the stop spawns nothing and answers at once.
    auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(chain.credentials());
    EXPECT_LT(std::chrono::steady_clock::now() - started, 100ms);
}

TEST(Credentials, StopEndsAHangingAwsCliExport) {
    Home home;
    std::string fake_aws = home.write("bin/aws", "#!/bin/sh\nexec sleep 30\n", true);
    home.write(".aws/config",
               "[profile sso]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x/start\n");
    std::stop_source stop;
    CredentialOptions options = options_for(home.env({{"AWS_PROFILE", "sso"}}));
    options.aws_cli = fake_aws;
    options.process_timeout = 30s;
    options.stop = stop.get_token();
    Result<AwsCredentials> creds = credentials_error("not run");
    long long ms = ms_after_stop(stop, "a hanging aws configure export-credentials",
                                 [&] { creds = DefaultCredentialsChain(options).resolve(); });
    EXPECT_LT(ms, 1000);
    ASSERT_FALSE(creds);
    EXPECT_NE(creds.error().message.find("stopped (shipwatch is quitting)"), std::string::npos)
        << creds.error().message;
}

// A metadata service that accepts a request and never answers; the flag outlives the server,
// whose handler threads read it while the server stops.
struct HangingMetadata {
    std::atomic<bool> release{false};
    LoopbackServer server;
    HangingMetadata() {
        auto hang = [this](const httplib::Request&, httplib::Response& res) {
            for (int i = 0; i < 3000 && !release; ++i) std::this_thread::sleep_for(10ms);
            res.status = 503;
        };
        server.server.Get(".*", hang);
        server.server.Put(".*", hang);
        server.start();
    }
    ~HangingMetadata() { release = true; }
};

// The chain's own transports (no metadata_http given) carry the stop: the container endpoint
// and IMDS waits end at once, not after their time-outs.
TEST(Credentials, StopEndsAWaitForTheContainerEndpoint) {
    Home home;
    HangingMetadata hanging;
    std::stop_source stop;
    CredentialOptions options =
        options_for(home.env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI", hanging.server.url("/creds")}}));
    options.container_timeout = 20s;
    options.stop = stop.get_token();
    DefaultCredentialsChain chain(options);
    Result<AwsCredentials> creds = credentials_error("not run");
    long long ms = ms_after_stop(stop, "a silent container credentials endpoint", [&] { creds = chain.credentials(); });
    EXPECT_LT(ms, 1000);
    ASSERT_FALSE(creds);
    EXPECT_EQ(creds.error().message,
              "container credentials endpoint " + hanging.server.url("/creds") + ": stopped (shipwatch is quitting)");
}

TEST(Credentials, StopEndsAWaitForInstanceMetadata) {
    Home home;
    HangingMetadata hanging;
    auto vars = home.env();
    vars.erase("AWS_EC2_METADATA_DISABLED");
    std::stop_source stop;
    CredentialOptions options = options_for(vars);
    options.imds_endpoint = hanging.server.url();
    options.imds_timeout = 20s;
    options.stop = stop.get_token();
    DefaultCredentialsChain chain(options);
    Result<AwsCredentials> creds = credentials_error("not run");
    long long ms = ms_after_stop(stop, "a silent instance metadata service", [&] { creds = chain.credentials(); });
    EXPECT_LT(ms, 1000);
    ASSERT_FALSE(creds);
    EXPECT_EQ(creds.error().message, "EC2 instance metadata: stopped (shipwatch is quitting)");
}

// A signed request whose keys wait on a hanging credential_process answers cancelled, not
// no_credentials: the quit is not the source's failure.
TEST(Credentials, ASignedRequestWaitingForKeysAnswersCancelled) {
    Home home;
    std::string script = home.write("bin/hang", "#!/bin/sh\nexec sleep 30\n", true);
    home.write(".aws/config", "[profile hang]\ncredential_process = " + script + "\n");
    std::stop_source stop;
    CredentialOptions options = options_for(home.env({{"AWS_PROFILE", "hang"}}));
    options.process_timeout = 30s;
    options.stop = stop.get_token();
    CurlOptions curl;
    curl.stop = stop.get_token();
    CurlTransport transport(curl, std::make_shared<DefaultCredentialsChain>(options));
    HttpRequest request;
    request.method = "POST";
    request.url = "http://127.0.0.1:9/";  // never reached: the keys never come
    request.aws_region = "eu-west-1";
    request.aws_service = "ecs";
    HttpResponse response;
    long long ms = ms_after_stop(stop, "a signed request waiting for its keys",
                                 [&] { response = transport.send(request); });
    EXPECT_LT(ms, 1000);
    EXPECT_TRUE(response.cancelled()) << response.error;
}

TEST(Region, ResolutionOrder) {
    Home home;
    home.write(".aws/config", "[default]\nregion = us-east-2\n[profile prod]\nregion = eu-central-1\n");
    auto env = [&](std::map<std::string, std::string> extra) { return fixed_environment(home.env(std::move(extra))); };
    EXPECT_EQ(resolve_region("ap-south-1", "", env({{"AWS_REGION", "x"}})).value(), "ap-south-1");
    EXPECT_EQ(resolve_region("", "", env({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "x"}})).value(), "eu-west-1");
    EXPECT_EQ(resolve_region("", "", env({{"AWS_DEFAULT_REGION", "eu-west-3"}})).value(), "eu-west-3");
    EXPECT_EQ(resolve_region("", "", env({})).value(), "us-east-2");
    EXPECT_EQ(resolve_region("", "", env({{"AWS_PROFILE", "prod"}})).value(), "eu-central-1");
    EXPECT_EQ(resolve_region("", "prod", env({})).value(), "eu-central-1");
    auto none = resolve_region("", "staging", env({}));
    ASSERT_FALSE(none);
    EXPECT_TRUE(none.error().message.starts_with("no AWS region: set region in the pipeline config, AWS_REGION, or "
                                                 "region in profile 'staging'"));
}

TEST(Endpoints, FromEnvironment) {
    auto plain = endpoints_from_env("eu-west-1", fixed_environment({}));
    EXPECT_EQ(plain.base_url(ServiceId::ecr), "https://api.ecr.eu-west-1.amazonaws.com");
    EXPECT_EQ(endpoints_from_env("cn-north-1", fixed_environment({})).base_url(ServiceId::ecs),
              "https://ecs.cn-north-1.amazonaws.com.cn");

    auto env = fixed_environment({{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566/"},
                                  {"AWS_ENDPOINT_URL_ECS", "http://127.0.0.1:9000"},
                                  {"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "http://127.0.0.1:9001"}});
    auto local = endpoints_from_env("eu-west-1", env);
    EXPECT_EQ(local.base_url(ServiceId::ecs), "http://127.0.0.1:9000");
    EXPECT_EQ(local.base_url(ServiceId::elbv2), "http://127.0.0.1:9001");
    EXPECT_EQ(local.base_url(ServiceId::logs), "http://127.0.0.1:4566");
    EXPECT_EQ(local.region(), "eu-west-1");
    EXPECT_EQ(endpoint_env_name(ServiceId::logs), "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS");
    EXPECT_EQ(endpoint_env_name(ServiceId::secretsmanager), "AWS_ENDPOINT_URL_SECRETS_MANAGER");

    auto ignored = endpoints_from_env("eu-west-1", fixed_environment({{"AWS_ENDPOINT_URL", "http://127.0.0.1:4566"},
                                                                      {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}}));
    EXPECT_EQ(ignored.base_url(ServiceId::ecs), "https://ecs.eu-west-1.amazonaws.com");
}

TEST(CommandLine, SplitsLikeShlex) {
    EXPECT_EQ(split_command_line(R"(/usr/bin/helper --profile "my prof" 'a b' c\ d "q\"x")"),
              (std::vector<std::string>{"/usr/bin/helper", "--profile", "my prof", "a b", "c d", "q\"x"}));
    EXPECT_TRUE(split_command_line("   ").empty());
}

}  // namespace
}  // namespace shipwatch::aws
