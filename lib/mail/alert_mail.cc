#include "lib/mail/alert_mail.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lvs::mail {
namespace {

// One line of a header or of the body: control characters become '?'.
std::string Clean(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

// The body's lines (split at LF, a CR before it dropped), each cleaned, CRLF-ended.
std::string CleanBody(absl::string_view body) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    absl::StrAppend(&out, Clean(line), "\r\n");
  }
  return out;
}

// keepalived's subjects carry the router id in brackets.
std::string Subject(const Settings& s, absl::string_view rest) {
  return absl::StrCat("[", s.router_id, "] ", rest);
}

const char* StateSubject(VrrpTransition to) {
  switch (to) {
    case VrrpTransition::kMaster: return "Entering MASTER state";
    case VrrpTransition::kBackup: return "Entering BACKUP state";
    case VrrpTransition::kFault: return "Entering FAULT state";
    case VrrpTransition::kStop: return "Stopping";
  }
  return "";
}

}  // namespace

std::optional<Settings> SettingsFromConfig(const v1::GlobalDefs& global, absl::string_view host,
                                           absl::string_view user) {
  const v1::MailAlerts& m = global.mail();
  if (m.to().empty() || m.smtp_server().empty()) return std::nullopt;
  Settings s;
  s.to.assign(m.to().begin(), m.to().end());
  s.from = m.from().empty() ? absl::StrCat(user, "@", host) : m.from();
  s.server = m.smtp_server();
  s.port = m.smtp_port() == 0 ? 25 : static_cast<uint16_t>(m.smtp_port());
  s.helo_name = m.helo_name().empty() ? std::string(host) : m.helo_name();
  if (m.connect_timeout_ms() != 0) s.connect_timeout = absl::Milliseconds(m.connect_timeout_ms());
  s.router_id = global.router_id().empty() ? std::string(host) : global.router_id();
  s.no_email_faults = m.no_email_faults();
  return s;
}

std::string Endpoint(absl::string_view address, v1::Protocol protocol, uint32_t port) {
  const char* proto = protocol == v1::UDP ? "udp" : protocol == v1::SCTP ? "sctp" : "tcp";
  return absl::StrCat("[", address, "]:", proto, ":", port);
}

std::optional<Alert> VrrpInstanceAlert(const Settings& s, absl::string_view instance,
                                       VrrpTransition to) {
  if (to == VrrpTransition::kFault && s.no_email_faults) return std::nullopt;
  const char* body = to == VrrpTransition::kMaster ? "=> VRRP Instance is now owning VRRP VIPs <="
                     : to == VrrpTransition::kStop
                         ? "=> VRRP Instance stopping <="
                         : "=> VRRP Instance is no longer owning VRRP VIPs <=";
  return Alert{Subject(s, absl::StrCat("VRRP Instance ", instance, " - ", StateSubject(to))), body};
}

std::optional<Alert> VrrpGroupAlert(const Settings& s, absl::string_view group, VrrpTransition to) {
  if (to == VrrpTransition::kFault && s.no_email_faults) return std::nullopt;
  const char* state = to == VrrpTransition::kMaster   ? "MASTER"
                      : to == VrrpTransition::kBackup ? "BACKUP"
                      : to == VrrpTransition::kFault  ? "FAULT"
                                                      : "";
  std::string body =
      to == VrrpTransition::kStop
          ? "=> All VRRP group instances are now stopping <="
          : absl::StrCat("=> All VRRP group instances are now in ", state, " state <=");
  return Alert{Subject(s, absl::StrCat("VRRP Group ", group, " - ", StateSubject(to))),
               std::move(body)};
}

Alert RealServerAlert(const Settings& s, absl::string_view real, absl::string_view service, bool up,
                      absl::string_view check, absl::string_view reason) {
  Alert a;
  a.subject = Subject(s, absl::StrCat("Realserver ", real, " of virtual server ", service, " - ",
                                      up ? "UP" : "DOWN"));
  // keepalived's HTTP and SMTP checkers put the reason in: "=> CHECK failed on
  // service : HTTP request failed <="; checkd has one for every checker.
  a.body = absl::StrCat("=> ", check, up ? " succeed" : " failed", " on service",
                        reason.empty() ? "" : absl::StrCat(" : ", reason), " <=");
  return a;
}

Alert RealServerRemovedAlert(const Settings& s, absl::string_view real, absl::string_view service,
                             bool stopping) {
  return Alert{
      Subject(s, absl::StrCat("Realserver ", real, " of virtual server ", service, " - DOWN")),
      stopping ? "=> Shutting down <=" : "=> Removing <="};
}

Alert VirtualServerAlert(const Settings& s, absl::string_view service, bool up, uint32_t quorum,
                         uint32_t hysteresis, uint64_t alive_weight, bool stopping) {
  Alert a;
  a.subject = Subject(s, absl::StrCat("Virtualserver ", service, " - ", up ? "UP" : "DOWN"));
  if (stopping) {
    a.body = "=> Shutting down <=";
  } else {
    // keepalived's ipwrapper.c: the threshold crossed is quorum+hysteresis going up,
    // quorum-hysteresis going down, printed as "%u+%u=%ld <= %ld".
    const int64_t threshold = up ? int64_t{quorum} + hysteresis : int64_t{quorum} - hysteresis;
    a.body = absl::StrCat("=> ", up ? "Gained quorum" : "Lost quorum", " ", quorum, "+", hysteresis,
                          "=", threshold, " <= ", alive_weight, " <=");
  }
  return a;
}

std::string ComposeMessage(const Settings& s, const Alert& alert, absl::Time now,
                           absl::TimeZone zone) {
  // keepalived's SMTP_HEADERS_CMD; the Date as strftime's "%a, %d %b %Y %H:%M:%S %z";
  // the body and an empty line, as its SMTP_BODY_CMD and SMTP_SEND_CMD leave it.
  return absl::StrCat("Date: ", absl::FormatTime("%a, %d %b %Y %H:%M:%S %z", now, zone), "\r\n",  //
                      "From: ", Clean(s.from), "\r\n",                                            //
                      "Subject: ", Clean(alert.subject), "\r\n",                                  //
                      "X-Mailer: Keepalived (lvs-ha)\r\n",                                        //
                      "To: ", Clean(absl::StrJoin(s.to, ", ")), "\r\n",                           //
                      "\r\n",                                                                     //
                      CleanBody(alert.body), "\r\n");
}

}  // namespace lvs::mail
