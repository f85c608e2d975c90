// Issue 13: files the user names are read within a bound (`--config /dev/zero` and
// AWS_CONFIG_FILE=/dev/zero read until bad_alloc).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "base/bounded_read.hpp"
#include "config/config.hpp"
#include "sources/aws/credentials.hpp"
#include "sources/aws/environment.hpp"

namespace shipwatch {
namespace {

TEST(BoundedRead, AFileOfAnySizeIsReadAtMostOnePastTheBound) {
    BoundedRead zero = read_bounded("/dev/zero", 1 << 20, "config file");
    EXPECT_TRUE(zero.text.empty());
    EXPECT_EQ(zero.problem, "config file /dev/zero is larger than 1 MiB: is it the right file?");

    auto path = std::filesystem::temp_directory_path() / ("shipwatch-bounds-" + std::to_string(::getpid()));
    std::ofstream(path) << std::string(100, 'x');
    EXPECT_EQ(read_bounded(path.string(), 100, "f").text.size(), 100u);
    EXPECT_NE(read_bounded(path.string(), 99, "f").problem.find("larger than 99 bytes"), std::string::npos);
    std::filesystem::remove(path);
    BoundedRead missing = read_bounded(path.string(), 100, "f");
    EXPECT_TRUE(missing.missing);
    EXPECT_TRUE(missing.problem.empty());
}

TEST(BoundedRead, ConfigAndAwsConfigFromDevZeroAreOneLine) {
    auto config = load_config_file("/dev/zero");
    ASSERT_FALSE(config);
    EXPECT_EQ(config.error().message, "config file /dev/zero is larger than 16 MiB: is it the right file?");

    aws::CredentialOptions options;
    options.env = aws::fixed_environment({{"AWS_CONFIG_FILE", "/dev/zero"}, {"AWS_SHARED_CREDENTIALS_FILE", "/dev/null"},
                                          {"AWS_EC2_METADATA_DISABLED", "true"}, {"HOME", "/nonexistent"}});
    auto creds = aws::DefaultCredentialsChain(options).resolve();
    ASSERT_FALSE(creds);
    EXPECT_NE(creds.error().message.find("AWS config file /dev/zero is larger than 4 MiB"), std::string::npos)
        << creds.error().message;
    auto region = aws::resolve_region("", "", options.env);
    ASSERT_FALSE(region);
    EXPECT_NE(region.error().message.find("AWS config file /dev/zero is larger than 4 MiB"), std::string::npos);
}

}  // namespace
}  // namespace shipwatch
