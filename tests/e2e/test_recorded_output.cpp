// `check` output is part of the contract (schema 1 for --json; people grep the text): every
// case in tests/data/check_json/cases.tsv is run through the real binary and compared byte for
// byte with the file recorded there. The files were recorded before the layers were split (issue
// "A house that shows its architecture"), so a refactor that changes one byte fails here.
// SHIPWATCH_UPDATE_GOLDEN=1 rewrites them: do that only for a change of behaviour you mean.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "run_binary.hpp"

using shipwatch::e2e::run_shipwatch_with;

namespace {

struct Case {
    std::string file;
    std::string args;
};

const std::string kDir = std::string(SHIPWATCH_TEST_DATA) + "/check_json/";

std::vector<Case> cases() {
    std::vector<Case> out;
    std::ifstream in(kDir + "cases.tsv");
    std::string line;
    while (std::getline(in, line)) {
        auto tab = line.find('\t');
        if (line.empty() || tab == std::string::npos) continue;
        out.push_back({line.substr(0, tab), line.substr(tab + 1)});
    }
    return out;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class RecordedOutput : public ::testing::TestWithParam<Case> {};

TEST_P(RecordedOutput, IsByteIdentical) {
    const Case& c = GetParam();
    auto r = run_shipwatch_with("env NO_COLOR=1 ", c.args);
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1 || r.exit_code == 2) << r.err;
    std::string path = kDir + c.file;
    if (std::getenv("SHIPWATCH_UPDATE_GOLDEN")) {
        std::ofstream(path, std::ios::binary) << r.out;
        GTEST_SKIP() << "rewrote " << path;
    }
    std::string want = read_file(path);
    ASSERT_FALSE(want.empty()) << path << " is missing or empty";
    if (r.out == want) return;
    // Name the first differing line, so a failure says what moved.
    std::istringstream a(want), b(r.out);
    std::string la, lb;
    int n = 0;
    while (true) {
        ++n;
        bool ea = !std::getline(a, la), eb = !std::getline(b, lb);
        if (ea || eb || la != lb) break;
    }
    FAIL() << "shipwatch " << c.args << " differs from " << c.file << " at line " << n << ":\n  recorded: " << la
           << "\n  now:      " << lb;
}

INSTANTIATE_TEST_SUITE_P(Cases, RecordedOutput, ::testing::ValuesIn(cases()), [](const auto& info) {
    std::string name;
    for (char ch : info.param.file) name += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
    return name;
});

TEST(RecordedOutputCases, AreListed) { EXPECT_GE(cases().size(), 40u); }

}  // namespace
