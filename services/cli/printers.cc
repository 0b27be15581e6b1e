#include "services/cli/printers.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "services/cli/endpoint_syntax.h"

namespace lvs::cli {
namespace {

const char* Method(lvs::v1::ForwardingMethod m) {
  switch (m) {
    case lvs::v1::DR: return "Route";
    case lvs::v1::TUN: return "Tunnel";
    case lvs::v1::NAT: return "Masq";
    default: return "-";
  }
}

std::string OverrideSuffix(lvs::v1::Override o) {
  return o == lvs::v1::OVERRIDE_UNSPECIFIED ? ""
                                            : absl::StrCat(" [", lvs::v1::Override_Name(o), "]");
}

}  // namespace

std::string Ago(int64_t unix_ms) {
  if (unix_ms <= 0) return "-";
  int64_t s = (absl::ToUnixMillis(absl::Now()) - unix_ms) / 1000;
  if (s < 120) return absl::StrCat(s, "s");
  if (s < 7200) return absl::StrCat(s / 60, "m");
  return absl::StrCat(s / 3600, "h");
}

std::string VrrpTable(const lvs::v1::VrrpStatus& st, bool with_counters) {
  std::string out = absl::StrFormat("%-12s %-8s %4s %-8s %7s %-16s %6s  %s\n", "INSTANCE", "IFACE",
                                    "VRID", "STATE", "PRIO", "MASTER", "SINCE", "VIPS");
  for (const auto& i : st.instances()) {
    std::string prio = i.effective_priority() == i.configured_priority()
                           ? absl::StrCat(i.effective_priority())
                           : absl::StrCat(i.effective_priority(), "/", i.configured_priority());
    std::string state = lvs::v1::VrrpState_Name(i.state());
    if (i.admin_down()) state += "*";
    absl::StrAppendFormat(&out, "%-12s %-8s %4u %-8s %7s %-16s %6s  %s\n", i.name(), i.interface(),
                          i.virtual_router_id(), state, prio,
                          i.master_address().empty() ? "-" : i.master_address(),
                          Ago(i.since_unix_ms()), absl::StrJoin(i.virtual_ipaddresses(), ","));
    if (!with_counters) continue;
    const auto& c = i.counters();
    std::string errors;
    for (const auto& [reason, n] : c.rx_errors()) absl::StrAppend(&errors, " ", reason, "=", n);
    absl::StrAppendFormat(&out, "    adverts tx %d rx %d, garp tx %d, transitions %d%s%s\n",
                          c.adverts_tx(), c.adverts_rx(), c.garp_tx(), c.transitions(),
                          errors.empty() ? "" : ", dropped:", errors);
    if (!i.last_transition_reason().empty())
      absl::StrAppend(&out, "    last transition: ", i.last_transition_reason(), "\n");
  }
  return out;
}

std::string ServiceBlock(const lvs::v1::IpvsService& svc) {
  std::string flags =
      svc.persistence_timeout_s() ? absl::StrCat(" persistent ", svc.persistence_timeout_s()) : "";
  if (!svc.in_kernel()) flags += " (not in kernel)";
  if (!svc.quorum_met()) flags += " (quorum lost)";
  if (svc.sorry_server_active()) flags += " (sorry server)";
  std::string out = absl::StrCat(FormatServiceKey(svc.key()), " ", svc.scheduler(), flags,
                                 OverrideSuffix(svc.override()), "\n");
  for (const auto& r : svc.reals()) {
    std::string health = lvs::v1::Health_Name(r.health());
    if (!r.passive_suspect().empty()) {
      health = absl::StrCat("SUSPECT (passive: ", r.passive_suspect(), ")");
    } else if (!r.health_reason().empty()) {
      absl::StrAppend(&health, " (", r.health_reason(), ")");
    }
    std::string weight = r.in_kernel() ? absl::StrCat(r.weight(), "/", r.configured_weight())
                                       : absl::StrCat("-/", r.configured_weight());
    absl::StrAppendFormat(&out, "  -> %-28s %-7s %-7s %10u %10u  %s%s\n", FormatRealKey(r.key()),
                          Method(r.forwarding()), weight, r.active_connections(),
                          r.inactive_connections(), health, OverrideSuffix(r.override()));
  }
  return out;
}

std::string ServicesTable(const lvs::v1::ListServicesResponse& resp) {
  std::string out = "Prot LocalAddress:Port Scheduler Flags\n";
  absl::StrAppendFormat(&out, "  -> %-28s %-7s %-7s %10s %10s  %s\n", "RemoteAddress:Port",
                        "Forward", "Weight", "ActiveConn", "InActConn", "Health");
  for (const auto& svc : resp.services()) absl::StrAppend(&out, ServiceBlock(svc));
  if (!resp.checker_connected())
    absl::StrAppend(&out, "checkd unreachable: weights held at their last known values\n");
  if (resp.sync_daemon_master() || resp.sync_daemon_backup())
    absl::StrAppend(&out, "connection sync:", resp.sync_daemon_master() ? " master" : "",
                    resp.sync_daemon_backup() ? " backup" : "", "\n");
  // ipvsd answers from its view of the kernel: weights are current, the counters
  // are those of its last read of the whole table.
  if (resp.stats_at_unix_ms() > 0) {
    const int64_t age_s =
        std::max<int64_t>(0, absl::ToUnixMillis(absl::Now()) - resp.stats_at_unix_ms()) / 1000;
    absl::StrAppend(&out, "connection counters as of ", age_s,
                    " s ago (ipvsd's last read of the kernel table)\n");
  }
  return out;
}

std::string ChecksTable(const lvs::v1::ListChecksResponse& resp) {
  std::string out = absl::StrFormat("%-48s %-10s %-4s %5s %9s %6s  %s\n", "TARGET", "CHECK", "UP",
                                    "FAILS", "LATENCY", "RUNS", "LAST RESULT");
  for (const auto& c : resp.checks()) {
    std::string latency =
        c.last().latency_us() ? absl::StrFormat("%.1fms", c.last().latency_us() / 1000.0) : "-";
    absl::StrAppendFormat(&out, "%-48s %-10s %-4s %5u %9s %6d  %s\n", c.target_id(), c.kind(),
                          c.up() ? "up" : "DOWN", c.consecutive_failures(), latency, c.runs(),
                          c.last().ok() ? "ok" : c.last().reason());
  }
  return out;
}

std::string VrrpEventLine(const lvs::v1::VrrpStateEvent& e) {
  return absl::StrCat("vrrp ", e.instance(), " ", lvs::v1::VrrpState_Name(e.from()), " -> ",
                      lvs::v1::VrrpState_Name(e.to()), e.reason().empty() ? "" : ": ", e.reason());
}

std::string TableEventLine(const lvs::v1::TableEvent& e) {
  std::string line =
      absl::StrCat("ipvs ", FormatServiceKey(e.service().key()), e.removed() ? " removed" : "");
  if (!e.reason().empty()) absl::StrAppend(&line, ": ", e.reason());
  if (!e.removed()) {
    std::vector<std::string> reals;
    for (const auto& r : e.service().reals())
      reals.push_back(absl::StrCat(FormatRealKey(r.key()), " w",
                                   r.in_kernel() ? absl::StrCat(r.weight()) : "-"));
    absl::StrAppend(&line, " [", absl::StrJoin(reals, ", "), "]");
  }
  return line;
}

std::string HealthEventLine(const lvs::v1::HealthEvent& e) {
  return absl::StrCat("check ", e.id(), " ", e.up() ? "up" : "DOWN", e.reason().empty() ? "" : ": ",
                      e.reason());
}

}  // namespace lvs::cli
