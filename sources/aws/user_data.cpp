#include "sources/aws/user_data.hpp"

#include <sstream>

#include "base/digest.hpp"

namespace shipwatch {

void summarize_user_data(const std::string& script, Instance& inst) {
    inst.user_data_summary.clear();
    if (script.empty()) {
        inst.user_data_digest.clear();
        return;
    }
    inst.user_data_digest = sha256_hex(script);
    static const char* kInteresting[] = {"git clone", "git pull", "docker run", "docker pull", "systemctl", "npm ",
                                         "pip install", "aws s3 cp", "curl ", "wget ", "tar ", "unzip "};
    std::istringstream in(script);
    std::string line;
    while (std::getline(in, line) && inst.user_data_summary.size() < 6) {
        auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        line = line.substr(first);
        for (const char* k : kInteresting)
            if (line.find(k) != std::string::npos) {
                inst.user_data_summary.push_back(line.size() > 100 ? line.substr(0, 97) + "..." : line);
                break;
            }
    }
}

}  // namespace shipwatch
