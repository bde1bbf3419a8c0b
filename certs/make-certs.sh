#!/usr/bin/env sh
# Makes a CA and a serving certificate for billing-guard with `billing-guard certs`, for tls.mode=existingSecret
# (chart or manifests/existing-secret) and for `serve` outside a cluster, then prints what to run next.
#
#   certs/make-certs.sh [SERVICE] [NAMESPACE] [OUT_DIR]     defaults: billing-guard molecule-system certs-out
#
# Needs Java 17 and target/billing-guard.jar (mvn -B -q package -DskipTests), or BILLING_GUARD=command.
set -eu
SERVICE=${1:-billing-guard}
NAMESPACE=${2:-molecule-system}
OUT=${3:-certs-out}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BILLING_GUARD=${BILLING_GUARD:-"java -jar $ROOT/target/billing-guard.jar"}

OUTPUT=$($BILLING_GUARD certs --service "$SERVICE" --namespace "$NAMESPACE" --out "$OUT")
echo "$OUTPUT"
CA_BUNDLE=$(echo "$OUTPUT" | sed -n 's/^caBundle: *//p')
[ -n "$CA_BUNDLE" ] || { echo "make-certs.sh: billing-guard certs printed no caBundle" >&2; exit 2; }

cat <<NEXT

The Secret (tls.mode=existingSecret):
  kubectl -n $NAMESPACE create secret tls $SERVICE-tls --cert=$OUT/tls.crt --key=$OUT/tls.key

With Helm:
  helm upgrade --install billing-guard helm/billing-guard -n $NAMESPACE \\
    --set tls.mode=existingSecret --set tls.existingSecret.name=$SERVICE-tls \\
    --set tls.existingSecret.caBundle=$CA_BUNDLE

With manifests/existing-secret (put the caBundle into both webhook configurations first):
  sed "s|$(printf '%s' 'REPLACE WITH THE caBundle PRINTED BY certs/make-certs.sh' | base64 | tr -d '\n')|$CA_BUNDLE|" \\
    manifests/existing-secret/05-webhooks.yaml > 05-webhooks.yaml

Outside a cluster:
  java -jar target/billing-guard.jar serve --tls-cert $OUT/tls.crt --tls-key $OUT/tls.key --kubeconfig ~/.kube/config
NEXT
