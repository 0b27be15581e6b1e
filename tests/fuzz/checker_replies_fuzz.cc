// What real servers send back to checkd's checkers, fuzzed: the first byte picks
// the reader (SMTP dialogue, HTTP answer, DNS reply, ICMP echo reply, UDP reply,
// tracked file), the rest is the server's bytes, fed in pieces the second byte
// sizes. Nothing may crash, read out of bounds or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string>

#include "services/checkd/dns_message.h"
#include "services/checkd/http_response.h"
#include "services/checkd/icmp_echo.h"
#include "services/checkd/smtp_dialogue.h"
#include "services/checkd/tracked_file.h"
#include "services/checkd/udp_exchange.h"

using namespace lvs::checkd;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t which = data[0] % 6;
  const size_t piece = 1 + data[1] % 64;
  const std::string input(reinterpret_cast<const char*>(data + 2), size - 2);
  auto pieces = [&](auto feed) {
    for (size_t at = 0; at < input.size(); at += piece) {
      if (feed(absl::string_view(input).substr(at, piece))) return;
    }
  };
  switch (which) {
    case 0: {
      SmtpDialogue d("fuzz.example");
      pieces([&](absl::string_view p) { return d.OnBytes(p).verdict.has_value(); });
      (void)d.OnClosed();
      break;
    }
    case 1: {
      UrlSpec url;
      url.path = "/";
      if (data[1] & 1) url.digest = "5d41402abc4b2a76b9719d911017c592";
      if (data[1] & 2) {
        // A pattern with lookbehind and a partial-match tail, in a window.
        static const auto regex = CompiledRegex::Get("(?<=a)b+c|^x.*y$", 0);
        url.regex = *regex;
        url.regex_no_match = data[1] & 4;
        url.regex_min_offset = (data[1] & 8) ? 3 : 0;
        url.regex_max_end = (data[1] & 16) ? 40 : 0;
      }
      HttpResponseReader r(url);
      bool done = false;
      pieces([&](absl::string_view p) { return done = r.OnBytes(p).has_value(); });
      if (!done) (void)r.OnClosed();
      break;
    }
    case 2:
      (void)JudgeDnsReply(input, static_cast<uint16_t>(data[1] << 8 | data[1]), 1);
      if (input.size() >= 2)
        (void)JudgeDnsReply(input,
                            static_cast<uint16_t>(uint8_t(input[0]) << 8 | uint8_t(input[1])), 6);
      break;
    case 3:
      (void)ParseEchoReply(false, input, true);
      (void)ParseEchoReply(false, input, false);
      (void)ParseEchoReply(true, input, false);
      break;
    case 4: {
      UdpExchange x(UdpCheckRule{"q", true, input.substr(0, input.size() / 2), "", 0, 255});
      (void)x.Judge(input.substr(input.size() / 2));
      break;
    }
    case 5:
      if (auto v = ParseTrackedFileValue(input)) {
        (void)JudgeTrackedFile(*v, static_cast<int8_t>(data[1]), data[1] & 1, 100);
      }
      break;
  }
  return 0;
}
