// lvsctl realserver up|down --vip ADDR [--vip ADDR...]: the DR real-server setup
// (VIP on lo as /32, ARP suppressed, rp_filter off), applied or reversed, idempotently.
#include <arpa/inet.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "services/cli/command_registry.h"
#include "services/cli/command_support.h"
#include "services/cli/local_host.h"
#include "services/cli/realserver_setup.h"

namespace lvs::cli {

// The VIP's observation on lo, shared with doctor.
RealServerObservation ObserveRealServer(const std::string& vip) {
  RealServerObservation seen;
  seen.vip = vip;
  auto link = Link("lo");
  seen.lo_up = link.ok() && link->up;
  unsigned char want[16], have[16];
  inet_pton(AF_INET, vip.c_str(), want);
  if (auto addrs = AddressesOn("lo"); addrs.ok()) {
    for (const auto& a : *addrs) {
      if (inet_pton(AF_INET, a.address.c_str(), have) == 1 && std::equal(want, want + 4, have)) {
        seen.vip_on_lo = true;
        seen.vip_prefix_on_lo = a.prefix_len;
      }
    }
  }
  for (const auto& s : RealServerSysctls()) seen.sysctls.emplace_back(s.name, ReadSysctl(s.name));
  return seen;
}

absl::StatusOr<std::vector<std::string>> ParseVips(const std::vector<std::string>& args,
                                                   size_t from) {
  std::vector<std::string> vips;
  for (size_t i = from; i < args.size(); ++i) {
    if (args[i] != "--vip" || i + 1 >= args.size())
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected '", args[i], "' (expected --vip ADDR)"));
    unsigned char buf[4];
    if (inet_pton(AF_INET, args[i + 1].c_str(), buf) != 1)
      return absl::InvalidArgumentError(absl::StrCat("'", args[i + 1], "' is not an IPv4 address"));
    vips.push_back(args[++i]);
  }
  if (vips.empty()) return absl::InvalidArgumentError("which VIP? (--vip ADDR)");
  return vips;
}

namespace {

int RealServerUp(const std::vector<std::string>& vips) {
  int rc = kExitOk;
  auto done = [&](const absl::Status& s, const std::string& what) {
    if (s.ok()) {
      std::printf("%s\n", what.c_str());
    } else {
      std::fprintf(stderr, "lvsctl: %s\n", std::string(s.message()).c_str());
      rc = kExitFailed;
    }
  };
  // ARP first: a VIP on lo that still answers ARP would steal the VIP from the director.
  for (const auto& s : RealServerSysctls())
    if (ReadSysctl(s.name) != s.dr_value)
      done(WriteSysctl(s.name, s.dr_value), absl::StrCat(s.name, " = ", s.dr_value));
  for (const auto& vip : vips) {
    RealServerObservation seen = ObserveRealServer(vip);
    if (!seen.lo_up) done(SetLinkUp("lo"), "lo up");
    if (seen.vip_on_lo && seen.vip_prefix_on_lo != 32)
      done(DeleteAddress("lo", vip, seen.vip_prefix_on_lo),
           absl::StrCat("removed ", vip, "/", seen.vip_prefix_on_lo, " from lo"));
    if (!seen.vip_on_lo || seen.vip_prefix_on_lo != 32)
      done(AddAddress("lo", vip, 32), absl::StrCat("added ", vip, "/32 to lo"));
  }
  if (rc == kExitOk) std::printf("real server ready for DR\n");
  return rc;
}

int RealServerDown(const std::vector<std::string>& vips) {
  int rc = kExitOk;
  for (const auto& vip : vips) {
    RealServerObservation seen = ObserveRealServer(vip);
    if (!seen.vip_on_lo) continue;
    if (auto s = DeleteAddress("lo", vip, seen.vip_prefix_on_lo); !s.ok()) {
      std::fprintf(stderr, "lvsctl: %s\n", std::string(s.message()).c_str());
      rc = kExitFailed;
    } else {
      std::printf("removed %s/%d from lo\n", vip.c_str(), seen.vip_prefix_on_lo);
    }
  }
  // Only the VIP goes first; ARP settings are restored after, so the address never
  // answers ARP while it is still on lo.
  for (const auto& s : RealServerSysctls()) {
    if (ReadSysctl(s.name) == s.default_value) continue;
    if (auto st = WriteSysctl(s.name, s.default_value); !st.ok()) {
      std::fprintf(stderr, "lvsctl: %s\n", std::string(st.message()).c_str());
      rc = kExitFailed;
    } else {
      std::printf("%s = %s\n", s.name.c_str(), s.default_value.c_str());
    }
  }
  return rc;
}

int RunRealServer(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "up" && args[0] != "down"))
    return ReportUsage("realserver up|down --vip ADDR [--vip ADDR ...]");
  auto vips = ParseVips(args, 1);
  if (!vips.ok()) return ReportUsage(std::string(vips.status().message()));
  return args[0] == "up" ? RealServerUp(*vips) : RealServerDown(*vips);
}

}  // namespace

LVS_CLI_COMMAND("realserver",
                "realserver up|down --vip ADDR: apply / reverse the DR real-server setup",
                RunRealServer);

}  // namespace lvs::cli
