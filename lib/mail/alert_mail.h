// keepalived's SMTP alerts, composed: who gets them, their subjects and bodies
// (keepalived's smtp.c and its callers, word for word), and the message text handed
// to the SMTP server. Pure: the host name and the time are passed in.
#pragma once

#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/time/time.h"
#include "lvs/v1/config.pb.h"

namespace lvs::mail {

// Where and how alerts go, the config's global_defs with keepalived's defaults.
struct Settings {
  std::vector<std::string> to;
  std::string from;    // default USER@HOST, the daemon's user (keepalived's)
  std::string server;  // a host name or an address
  uint16_t port = 25;
  std::string helo_name;  // default HOST
  absl::Duration connect_timeout = absl::Seconds(30);
  std::string router_id;  // default HOST; the subjects' "[...]"
  bool no_email_faults = false;
};

// nullopt unless the file names both recipients and a server (keepalived sends
// nothing otherwise).
std::optional<Settings> SettingsFromConfig(const v1::GlobalDefs& global, absl::string_view host,
                                           absl::string_view user);

struct Alert {
  std::string subject;
  std::string body;
};

// "[192.168.0.1]:tcp:80" (keepalived's FMT_RS / FMT_VS for an address service).
std::string Endpoint(absl::string_view address, v1::Protocol protocol, uint32_t port);

// A VRRP instance or sync group entering STATE; nullopt for a state keepalived does
// not mail (INIT) and for FAULT under no_email_faults.
enum class VrrpTransition { kMaster, kBackup, kFault, kStop };
std::optional<Alert> VrrpInstanceAlert(const Settings& s, absl::string_view instance,
                                       VrrpTransition to);
std::optional<Alert> VrrpGroupAlert(const Settings& s, absl::string_view group, VrrpTransition to);

// A real server that came up or went down under its checks. CHECK names the checks
// (keepalived names its checker: "=> TCP CHECK failed on service <="); REASON,
// when known, goes in as keepalived's HTTP checker puts its own
// ("=> CHECK failed on service : HTTP 503 <=").
Alert RealServerAlert(const Settings& s, absl::string_view real, absl::string_view service, bool up,
                      absl::string_view check, absl::string_view reason);
// A real server taken out because ipvsd stops (omega) or the reload removed it.
Alert RealServerRemovedAlert(const Settings& s, absl::string_view real, absl::string_view service,
                             bool stopping);
// A virtual server's quorum gained or lost, with keepalived's arithmetic line.
Alert VirtualServerAlert(const Settings& s, absl::string_view service, bool up, uint32_t quorum,
                         uint32_t hysteresis, uint64_t alive_weight, bool stopping);

// The whole message as sent after DATA: Date, From, Subject, X-Mailer, To, a blank
// line and the body, lines ended with CRLF. Control characters in the subject or
// body (a reason from a server's reply, say) become '?', so nothing can add a
// header.
std::string ComposeMessage(const Settings& s, const Alert& alert, absl::Time now,
                           absl::TimeZone zone);

}  // namespace lvs::mail
