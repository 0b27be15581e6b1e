// The alerts' subjects and bodies are keepalived's (smtp.c, vrrp_notify.c,
// ipwrapper.c, check_*.c), and the message cannot be made to carry a header.
#include <catch2/catch.hpp>

#include "lib/mail/alert_mail.h"

namespace lvs::mail {
namespace {

Settings Lb1() {
  Settings s;
  s.to = {"ops@example.com", "oncall@example.com"};
  s.from = "lb@example.com";
  s.server = "192.0.2.25";
  s.helo_name = "lb1";
  s.router_id = "LVS_1";
  return s;
}

TEST_CASE("settings come from global_defs with keepalived's host defaults") {
  v1::GlobalDefs g;
  CHECK_FALSE(SettingsFromConfig(g, "lb1", "root"));  // nothing configured
  g.mutable_mail()->add_to("ops@example.com");
  CHECK_FALSE(SettingsFromConfig(g, "lb1", "root"));  // no server: keepalived sends nothing
  g.mutable_mail()->set_smtp_server("192.0.2.25");
  std::optional<Settings> s = SettingsFromConfig(g, "lb1", "root");
  REQUIRE(s);
  CHECK(s->from == "root@lb1");
  CHECK(s->helo_name == "lb1");
  CHECK(s->router_id == "lb1");
  CHECK(s->port == 25);
  CHECK(s->connect_timeout == absl::Seconds(30));
  g.set_router_id("LVS_1");
  g.mutable_mail()->set_connect_timeout_ms(5000);
  g.mutable_mail()->set_smtp_port(2525);
  s = SettingsFromConfig(g, "lb1", "root");
  CHECK(s->router_id == "LVS_1");
  CHECK(s->connect_timeout == absl::Seconds(5));
  CHECK(s->port == 2525);
}

TEST_CASE("VRRP instance and group alerts") {
  const Settings s = Lb1();
  // Instance VI_1's alerts, then group G's: one part of one alert a row.
  enum Of { kInstance, kGroup };
  struct Row {
    Of of;
    VrrpTransition to;
    std::string Alert::*part;
    std::string expected;
  };
  using enum VrrpTransition;
  const auto subject = &Alert::subject;
  const auto body = &Alert::body;
  for (const Row& row : std::vector<Row>{
           {kInstance, kMaster, subject, "[LVS_1] VRRP Instance VI_1 - Entering MASTER state"},
           {kInstance, kMaster, body, "=> VRRP Instance is now owning VRRP VIPs <="},
           {kInstance, kBackup, body, "=> VRRP Instance is no longer owning VRRP VIPs <="},
           {kInstance, kFault, subject, "[LVS_1] VRRP Instance VI_1 - Entering FAULT state"},
           {kInstance, kStop, subject, "[LVS_1] VRRP Instance VI_1 - Stopping"},
           {kInstance, kStop, body, "=> VRRP Instance stopping <="},
           {kGroup, kBackup, subject, "[LVS_1] VRRP Group G - Entering BACKUP state"},
           {kGroup, kBackup, body, "=> All VRRP group instances are now in BACKUP state <="},
           {kGroup, kStop, body, "=> All VRRP group instances are now stopping <="},
       }) {
    const std::optional<Alert> alert =
        row.of == kGroup ? VrrpGroupAlert(s, "G", row.to) : VrrpInstanceAlert(s, "VI_1", row.to);
    REQUIRE(alert);
    CHECK((*alert).*row.part == row.expected);
  }

  Settings quiet = s;
  quiet.no_email_faults = true;
  CHECK_FALSE(VrrpInstanceAlert(quiet, "VI_1", VrrpTransition::kFault));
  CHECK_FALSE(VrrpGroupAlert(quiet, "G", VrrpTransition::kFault));
  CHECK(VrrpInstanceAlert(quiet, "VI_1", VrrpTransition::kBackup));
}

TEST_CASE("real and virtual server alerts") {
  const Settings s = Lb1();
  const std::string rs = Endpoint("192.168.64.143", v1::TCP, 80);
  const std::string vs = Endpoint("192.168.64.100", v1::TCP, 80);
  CHECK(rs == "[192.168.64.143]:tcp:80");
  CHECK(Endpoint("2001:db8::1", v1::UDP, 53) == "[2001:db8::1]:udp:53");
  Alert down = RealServerAlert(s, rs, vs, false, "TCP CHECK", "");
  CHECK(down.subject ==
        "[LVS_1] Realserver [192.168.64.143]:tcp:80 of virtual server [192.168.64.100]:tcp:80 - "
        "DOWN");
  CHECK(down.body == "=> TCP CHECK failed on service <=");
  CHECK(RealServerAlert(s, rs, vs, true, "HTTP CHECK", "").body ==
        "=> HTTP CHECK succeed on service <=");
  CHECK(RealServerAlert(s, rs, vs, false, "HTTP CHECK", "HTTP 503").body ==
        "=> HTTP CHECK failed on service : HTTP 503 <=");
  CHECK(RealServerRemovedAlert(s, rs, vs, true).body == "=> Shutting down <=");
  CHECK(RealServerRemovedAlert(s, rs, vs, false).body == "=> Removing <=");

  Alert lost = VirtualServerAlert(s, vs, false, 1, 0, 0, false);
  CHECK(lost.subject == "[LVS_1] Virtualserver [192.168.64.100]:tcp:80 - DOWN");
  CHECK(lost.body == "=> Lost quorum 1+0=1 <= 0 <=");
  CHECK(VirtualServerAlert(s, vs, true, 2, 1, 3, false).body == "=> Gained quorum 2+1=3 <= 3 <=");
  CHECK(VirtualServerAlert(s, vs, false, 2, 1, 0, false).body == "=> Lost quorum 2+1=1 <= 0 <=");
  CHECK(VirtualServerAlert(s, vs, false, 2, 1, 0, true).body == "=> Shutting down <=");
}

TEST_CASE("the message: keepalived's headers, CRLF lines, nothing injected") {
  Settings s = Lb1();
  const absl::Time t = absl::FromUnixSeconds(1764633600);  // 2025-12-02 00:00:00 UTC
  std::string m = ComposeMessage(
      s, {"[LVS_1] VRRP Instance VI_1 - Entering MASTER state", "=> x <="}, t, absl::UTCTimeZone());
  CHECK(m ==
        "Date: Tue, 02 Dec 2025 00:00:00 +0000\r\n"
        "From: lb@example.com\r\n"
        "Subject: [LVS_1] VRRP Instance VI_1 - Entering MASTER state\r\n"
        "X-Mailer: Keepalived (lvs-ha)\r\n"
        "To: ops@example.com, oncall@example.com\r\n"
        "\r\n"
        "=> x <=\r\n"
        "\r\n");

  // A reason from a server's reply, with CR LF and a would-be header.
  Alert a = RealServerAlert(s, "[a]:tcp:1", "[b]:tcp:1", false, "HTTP CHECK",
                            "bad\r\nBcc: evil@example.com\x01");
  a.subject += "\r\nBcc: evil@example.com";
  m = ComposeMessage(s, a, t, absl::UTCTimeZone());
  const std::string headers = m.substr(0, m.find("\r\n\r\n") + 2);
  CHECK(headers.find("\r\nBcc:") == std::string::npos);  // no header line of its own
  CHECK(
      headers.find("Subject: [LVS_1] Realserver [a]:tcp:1 of virtual server [b]:tcp:1 - DOWN??Bcc: "
                   "evil@example.com\r\n") != std::string::npos);
  // In the body a line break stays a line break (CRLF), other control bytes go.
  CHECK(m.substr(headers.size()) ==
        "\r\n=> HTTP CHECK failed on service : bad\r\nBcc: evil@example.com? <=\r\n\r\n");
}

}  // namespace
}  // namespace lvs::mail
