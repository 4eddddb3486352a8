#!/bin/sh
# The one step a CI job runs to take a collection from its repository to
# verified tokens: docs/ci.md explains it, and both example pipelines
# (github-actions.yml, gitlab-ci.yml) call it. Copy it into your collection's
# repository (e.g. as .ci/genmint-ci.sh).
#
# Everything comes from the environment, nothing secret from argv:
#   GENMINT_NETWORK       the one network this pipeline may spend real ether
#                         on: --yes is passed only when genmint.yaml names it
#   GENMINT_MAX_SPEND     cap on image-generation spend, USD (all runs together)
#   GENMINT_MAX_FEE_GWEI  cap on the fee per gas
#   GENMINT_PIN           where to pin, as genmint run flags
#                         (default: --car collection.car)
#   GENMINT_REPORT        the --json report (default genmint-report.json)
#   ETH_RPC_URL           the node (a secret: it often holds an API key)
#   ETH_KEYSTORE          the key file, written from the secret store
#   ETH_PASSWORD          the passphrase file, written from the secret store
#   GENMINT_DECIDE        the decision policy (default --keep-all)
# Exit code: genmint run's (0 verified, 3 partial, 4 not verified, …).
set -eu

: "${GENMINT_NETWORK:?set GENMINT_NETWORK: the network this pipeline may spend on}"
: "${GENMINT_MAX_SPEND:?set GENMINT_MAX_SPEND: the most image generation may cost, USD}"
: "${GENMINT_MAX_FEE_GWEI:?set GENMINT_MAX_FEE_GWEI: the most a unit of gas may cost, gwei}"
: "${ETH_RPC_URL:?set ETH_RPC_URL from the secret store}"
: "${ETH_KEYSTORE:?set ETH_KEYSTORE: the key file written from the secret store}"
: "${ETH_PASSWORD:?set ETH_PASSWORD: the passphrase file written from the secret store}"
report=${GENMINT_REPORT:-genmint-report.json}

# --yes only for the configured network: any other chain a changed
# genmint.yaml names needs a person (a non-test chain then exits 2).
network=$(genmint validate --json | tr -d ' \n' | sed -n 's/.*"network":{"name":"\([^"]*\)".*/\1/p')
yes=""
if [ -n "$network" ] && [ "$network" = "$GENMINT_NETWORK" ]; then
	yes=--yes
else
	echo "genmint.yaml mints on '$network', not '$GENMINT_NETWORK': no --yes" >&2
fi

status=0
# shellcheck disable=SC2086 # GENMINT_PIN and GENMINT_DECIDE are lists of flags
genmint run ${GENMINT_DECIDE:---keep-all} ${GENMINT_PIN:---car collection.car} \
	--max-spend "$GENMINT_MAX_SPEND" --max-fee-gwei "$GENMINT_MAX_FEE_GWEI" $yes \
	--json >"$report" || status=$?
echo "genmint run exited $status; the report is $report" >&2
exit "$status"
