// Hidden controls from the wire are shown, never obeyed: the sanitiser, the JSON pass, the stream
// filter on stdout/stderr, the dashboard's cells and the log file.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/log.hpp"
#include "base/visible_stream.hpp"
#include "model/visible.hpp"
#include "report/style.hpp"
#include "tui/cell_grid.hpp"

namespace shipwatch {
namespace {

// Every payload the issue names: ESC sequences (CSI 2J, OSC 0 title, OSC 52 clipboard), BEL,
// the C1 CSI U+009B, DEL, bidi override and isolate, a direction mark, a stray byte.
const std::string kHostile = "fix \x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZWNobyBwd25lZA==\x07 \xC2\x9B" "31m \x7f"
                             " \xE2\x80\xAEgnp.exe\xE2\x80\xAC \xE2\x81\xA6x\xE2\x81\xA9 \xE2\x80\x8F \xFF end";

bool has_raw_control(std::string_view s) {
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char b = static_cast<unsigned char>(s[i]);
        if ((b < 0x20 && b != '\n') || b == 0x7F || b == 0xFF) return true;
        if (b == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
        if (b == 0xE2 && i + 2 < s.size()) {
            unsigned char b1 = static_cast<unsigned char>(s[i + 1]), b2 = static_cast<unsigned char>(s[i + 2]);
            if (b1 == 0x80 && ((b2 >= 0xAA && b2 <= 0xAE) || b2 == 0x8E || b2 == 0x8F)) return true;
            if (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9) return true;
        }
    }
    return false;
}

TEST(Visible, EveryHiddenControlIsWrittenAsAnEscape) {
    std::string shown = visible(kHostile);
    EXPECT_FALSE(has_raw_control(shown)) << shown;
    EXPECT_EQ(shown, "fix \\e[2J\\e]0;pwned\\x07\\e]52;c;ZWNobyBwd25lZA==\\x07 \\u009b31m \\x7f \\u202egnp.exe\\u202c "
                     "\\u2066x\\u2069 \\u200f \\xff end");
    EXPECT_EQ(visible("tab\there\nline"), "tab\\there\\nline");
    EXPECT_EQ(visible("tab\there\nline", /*keep_newlines=*/true), "tab\\there\nline");
}

// Found by fuzz_visible: an overlong form passed as it came. C0 9B would be an ESC in disguise.
TEST(Visible, OverlongFormsSurrogatesAndOutOfRangeAreNotUtf8) {
    EXPECT_EQ(visible("\xc0\x9b[2J"), "\\xc0\\x9b[2J");
    EXPECT_EQ(visible("o\xc1\xab"), "o\\xc1\\xab");
    EXPECT_EQ(visible("\xed\xa0\x80"), "\\xed\\xa0\\x80");
    EXPECT_EQ(visible("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
    EXPECT_EQ(visible("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf");  // U+10FFFF is the last
}

TEST(Visible, PrintableTextOfAnyScriptIsUnchanged) {
    for (std::string s : {"plain ascii", "Zoë Ångström", "日本語のコミット", "✔ ↻ ◆ ✖ ? · … →", "emoji 🚀", ""})
        EXPECT_EQ(visible(s), s);
}

TEST(Visible, JsonPassEscapesWhatTheSerialiserLeavesRaw) {
    // 0xFF is not UTF-8 and nlohmann refuses to dump it: the document holds the rest.
    std::string hostile = kHostile.substr(0, kHostile.find('\xFF'));
    nlohmann::json doc{{"message", hostile}, {"author", "Zoë"}};
    std::string text = json_visible(doc.dump(2));
    EXPECT_FALSE(has_raw_control(text)) << text;
    // Still the same document: the escapes decode to the same characters.
    EXPECT_EQ(nlohmann::json::parse(json_visible(doc.dump())), doc);
    nlohmann::json clean{{"message", "x\xC2\x9B\xE2\x80\xAEy\x7f"}, {"author", "Zoë"}};
    EXPECT_EQ(nlohmann::json::parse(json_visible(clean.dump())), clean);
    EXPECT_NE(json_visible(clean.dump()).find("\\u009b"), std::string::npos);
    EXPECT_NE(json_visible(clean.dump()).find("\\u202e"), std::string::npos);
    EXPECT_NE(json_visible(clean.dump()).find("\\u007f"), std::string::npos);
    EXPECT_EQ(json_visible(R"({"a":"Zoë ✔"})"), R"({"a":"Zoë ✔"})");
}

std::string through_filter(const std::vector<std::string>& writes, std::vector<std::string> own = {}) {
    std::ostringstream sink;
    {
        VisibleStreambuf filter(sink.rdbuf(), std::move(own));
        std::ostream os(&filter);
        for (const auto& w : writes) os << w << std::flush;
    }
    return sink.str();
}

TEST(VisibleStream, OwnColoursPassEverythingElseIsShown) {
    auto own = tui::ansi_sequences();
    ASSERT_FALSE(own.empty());
    std::string line = std::string(tui::ansi(tui::Role::ok)) + "ok" + std::string(tui::ansi(tui::Role::normal));
    EXPECT_EQ(through_filter({line + "\n"}, own), line + "\n");
    std::string out = through_filter({"wait: " + kHostile + "\n"}, own);
    EXPECT_FALSE(has_raw_control(out)) << out;
    EXPECT_NE(out.find("\\e[2J"), std::string::npos) << out;  // CSI 2J is no colour of ours
    EXPECT_NE(out.find("\\e]0;pwned"), std::string::npos) << out;
}

TEST(VisibleStream, SequencesSplitAcrossWritesAreJudgedWhole) {
    auto own = tui::ansi_sequences();
    // A colour and a bidi override cut between writes (and flushes) are still recognised.
    EXPECT_EQ(through_filter({"\x1b[3", "2mok\x1b[0m"}, own), "\x1b[32mok\x1b[0m");
    EXPECT_EQ(through_filter({"a\xE2\x80", "\xAE" "b"}, own), "a\\u202eb");
    EXPECT_EQ(through_filter({"\xC3", "\xA9t\xC3\xA9"}), "été");
    // An unfinished character at the end is shown as its bytes.
    EXPECT_EQ(through_filter({"end\xE2\x80"}), "end\\xe2\\x80");
    // Without own sequences, every ESC is text.
    EXPECT_EQ(through_filter({"\x1b[32mx"}), "\\e[32mx");
}

TEST(CellGrid, HiddenControlsTakeACellAsTheReplacementGlyph) {
    tui::CellGrid g({40, 1});
    int end = g.put(0, 0, "a\x1b[2Jb\xE2\x80\xAE" "c\td\xC2\x9B");
    std::string row = g.to_text();
    EXPECT_FALSE(has_raw_control(row)) << row;
    EXPECT_EQ(row.substr(0, row.find_last_not_of(" \n") + 1), "a\xEF\xBF\xBD[2Jb\xEF\xBF\xBD" "c d\xEF\xBF\xBD");
    EXPECT_EQ(end, 11);  // one column each, as the layout measured them
}

TEST(LogFile, HiddenControlsInLinesAreShown) {
    auto dir = std::filesystem::temp_directory_path() / ("shipwatch-log-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto path = (dir / "a.log").string();
    ASSERT_FALSE(logging::start({path, false, false}));
    logging::logger().warn("reason: {}", kHostile);
    logging::logger().flush();
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("reason: fix \\e[2J"), std::string::npos) << text;
    EXPECT_FALSE(has_raw_control(text)) << text;
    std::filesystem::remove_all(dir);
}

TEST(LogFile, ASymlinkIsRefusedAndAnExistingFileMadePrivate) {
    auto dir = std::filesystem::temp_directory_path() / ("shipwatch-log2-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto target = (dir / "elsewhere").string();
    std::ofstream(target) << "someone else's file\n";
    auto link = (dir / "link.log").string();
    std::filesystem::create_symlink(target, link);
    auto refused = logging::start({link, false, false});
    ASSERT_TRUE(refused);
    EXPECT_NE(refused->find("is a symbolic link"), std::string::npos) << *refused;

    auto existing = (dir / "old.log").string();
    std::ofstream(existing) << "old\n";
    ::chmod(existing.c_str(), 0644);
    ASSERT_FALSE(logging::start({existing, false, false}));
    struct stat st {};
    ASSERT_EQ(::stat(existing.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    std::ifstream untouched(target);
    std::string content((std::istreambuf_iterator<char>(untouched)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "someone else's file\n");  // not appended to through the link
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace shipwatch
