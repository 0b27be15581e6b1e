#include "services/vrrpd/nft_firewall.h"

#include <nftables/libnftables.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace lvs::vrrp {

NftFirewall::NftFirewall() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_ != nullptr) {
    // Keep nft's messages for our error text instead of letting it print to stderr.
    nft_ctx_buffer_output(ctx_);
    nft_ctx_buffer_error(ctx_);
  }
}

NftFirewall::~NftFirewall() {
  if (ctx_ != nullptr) nft_ctx_free(ctx_);
}

absl::Status NftFirewall::Configure(const FirewallSettings& settings) {
  if (configured_ && settings.table == settings_.table && settings.priority == settings_.priority &&
      settings.counters == settings_.counters) {
    return absl::OkStatus();
  }
  if (configured_) {
    if (absl::Status s = Teardown(); !s.ok()) return s;
  }
  const bool first = !configured_;
  settings_ = settings;
  configured_ = true;
  return first ? Run(ClearLeftOverFirewall(settings_)) : absl::OkStatus();
}

absl::Status NftFirewall::Sync(const std::set<BlockedAddress>& wanted) {
  if (!configured_) return absl::FailedPreconditionError("nftables: no settings yet");
  return Run(PlanFirewall(settings_, state_, wanted));
}

absl::Status NftFirewall::Teardown() {
  if (!configured_) return absl::OkStatus();
  return Run(TeardownFirewall(settings_, state_));
}

absl::Status NftFirewall::Run(const FirewallChange& change) {
  if (change.script.empty()) {
    state_ = change.next;
    return absl::OkStatus();
  }
  if (ctx_ == nullptr) return absl::InternalError("nftables: cannot create a libnftables context");
  // One buffer is one transaction in nf_tables: it applies whole or not at all.
  const int rc = nft_run_cmd_from_buffer(ctx_, change.script.c_str());
  if (rc != 0) {
    std::string why(absl::StripAsciiWhitespace(nft_ctx_get_error_buffer(ctx_)));
    if (why.empty()) why = "no message";
    return absl::UnavailableError(
        absl::StrCat("nftables (table ", settings_.table, "): ", why,
                     "; VIPs of non-accept instances are not blocked until this succeeds"));
  }
  state_ = change.next;
  return absl::OkStatus();
}

}  // namespace lvs::vrrp
