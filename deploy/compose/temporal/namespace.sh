#!/bin/sh
# One-shot: the namespace and the engine's search attributes (contracts/search_attributes.py),
# each created only when missing, so it is safe to run again.
set -eu
ns="${SCLS_TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health --address temporal:7233; do sleep 2; done
temporal operator namespace describe -n "$ns" --address temporal:7233 \
  || temporal operator namespace create -n "$ns" --retention 30d --address temporal:7233
existing=$(temporal operator search-attribute list -n "$ns" --address temporal:7233)
for sa in SclsPhase=Keyword SclsCohortId=Keyword SclsRagStatus=Keyword SclsNextDue=Datetime; do
  name=${sa%=*}
  echo "$existing" | grep -qw "$name" && continue
  temporal operator search-attribute create -n "$ns" --address temporal:7233 \
    --name "$name" --type "${sa#*=}"
done
