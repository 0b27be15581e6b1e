#include "services/ipvsd/ipvs_types.h"

#include <arpa/inet.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lvs::ipvs {

std::string ProtocolName(uint16_t protocol) {
  switch (protocol) {
    case IPPROTO_TCP: return "TCP";
    case IPPROTO_UDP: return "UDP";
    case IPPROTO_SCTP: return "SCTP";
    case 0: return "FWM";
  }
  return absl::StrCat("proto", protocol);
}

std::optional<uint16_t> ParseProtocolName(std::string_view name) {
  std::string n = absl::AsciiStrToUpper(std::string(name));
  if (n == "TCP") return IPPROTO_TCP;
  if (n == "UDP") return IPPROTO_UDP;
  if (n == "SCTP") return IPPROTO_SCTP;
  return std::nullopt;
}

std::string ServiceKey::ToString() const {
  if (is_fwmark()) return absl::StrCat("FWM ", fwmark, af == AF_INET6 ? " IPv6" : "");
  return absl::StrCat(ProtocolName(protocol), " ", net::HostPort(addr, port));
}

std::string_view ForwardingName(Forwarding f) {
  switch (f) {
    case Forwarding::kNat: return "Masq";
    case Forwarding::kLocal: return "Local";
    case Forwarding::kTunnel: return "Tunnel";
    case Forwarding::kDirect: return "Route";
  }
  return "?";
}

std::string Operation::ToString() const {
  const std::string svc = service.key.ToString();
  auto dest_details = [&] {
    return absl::StrCat(" (", std::string(ForwardingName(dest.forwarding)), ", weight ",
                        dest.weight, ")");
  };
  switch (kind) {
    case Kind::kAddService: return absl::StrCat("add service ", svc, " (", service.scheduler, ")");
    case Kind::kEditService:
      return absl::StrCat(
          "change service ", svc, " (", service.scheduler,
          service.timeout_s ? absl::StrCat(", persistent ", service.timeout_s, " s") : "", ")");
    case Kind::kDelService: return absl::StrCat("delete service ", svc);
    case Kind::kAddDest:
      return absl::StrCat("add real ", dest.key.ToString(), " to ", svc, dest_details());
    case Kind::kEditDest:
      return absl::StrCat("change real ", dest.key.ToString(), " of ", svc, dest_details());
    case Kind::kDelDest: return absl::StrCat("delete real ", dest.key.ToString(), " from ", svc);
  }
  return "?";
}

}  // namespace lvs::ipvs
