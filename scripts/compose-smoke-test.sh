#!/usr/bin/env bash
# The docker-compose smoke test, where a container engine runs: builds and starts the stack, waits
# until both instances are healthy and share the shards, creates a library with the built-in model,
# writes text chunks through instance 1, searches them by text through instance 2, then down and up
# (the data must survive), searches again, and down -v; on the way it reads the metrics and the
# OpenAPI description, creates an API key in one instance's container and checks that the other
# refuses requests without it, and scales out by one more instance. Prints each step
# with its time.
#   scripts/compose-smoke-test.sh            (COMPOSE="docker compose" for Compose v2)
set -euo pipefail
cd "$(dirname "$0")/.."
COMPOSE=${COMPOSE:-docker-compose}
I1=http://localhost:8081
I2=http://localhost:8082
START=$(date +%s)

step() { printf '[%4ds] %s\n' "$(( $(date +%s) - START ))" "$*"; }
fail() {
  echo "FAILED: $*" >&2
  $COMPOSE ps >&2 || true
  $COMPOSE logs --tail 40 >&2 || true
  exit 1
}
KEY_HEADER=()
json() { curl -s -H 'Content-Type: application/json' ${KEY_HEADER[@]+"${KEY_HEADER[@]}"} "$@"; }

# Healthy, and every shard active somewhere with both instances holding some.
await_cluster() {
  for _ in $(seq 1 150); do
    if curl -fs "$I1/observe/health/ready" > /dev/null && curl -fs "$I2/observe/health/ready" > /dev/null; then
      cluster=$(curl -fs ${KEY_HEADER[@]+"${KEY_HEADER[@]}"} "$I2/v1/cluster" || true)
      if [[ "$cluster" == *'"unassigned":[]'* && $(grep -o '"active":\[[0-9]' <<< "$cluster" | wc -l) -ge 2 ]]; then
        return 0
      fi
    fi
    sleep 2
  done
  fail "the instances did not become ready and share the shards"
}

await_search() {
  local body
  for _ in $(seq 1 60); do
    body=$(json -X POST "$I2/v1/libraries/smoke/search" -d '{"text": "when does the train leave", "k": 1}' || true)
    if [[ "$body" == *'"chunkId":"train"'* && "$body" == *'"partial":false'* ]]; then
      step "instance 2 finds it: $body"
      return 0
    fi
    sleep 2
  done
  fail "search through instance 2 did not find the chunk: $body"
}

step "docker-compose up --build -d"
$COMPOSE up --build -d
await_cluster
step "both instances healthy, shards shared: $(curl -fs ${KEY_HEADER[@]+"${KEY_HEADER[@]}"} "$I1/v1/cluster")"

created=$(json -X POST "$I1/v1/libraries?wait=true" -d '{"id": "smoke", "name": "Smoke test", "model": "all-minilm-l6-v2"}')
[[ "$created" == *'"id":"smoke"'* ]] || fail "library not created: $created"
step "library created through instance 1"
written=$(json -X PUT "$I1/v1/libraries/smoke/documents/trip?wait=true" -d '{"chunks": [
  {"id": "train", "text": "The night train to Vienna leaves at 22:40 from platform 4."},
  {"id": "hotel", "text": "The hotel is booked for three nights, breakfast included."},
  {"id": "museum", "text": "Buy museum tickets online to skip the queue."}]}')
[[ "$written" == *'"chunkCount":3'* ]] || fail "chunks not written: $written"
step "three text chunks written through instance 1 (embedded by the stream)"
await_search

# What an operator scrapes and reads: the search above in instance 2's metrics, the API description.
metrics=$(curl -fs "$I2/observe/metrics" || true)
[[ "$metrics" == *'vectorstream_search_seconds_count{index="flat",partial="false"}'* ]] \
  || fail "instance 2's metrics do not count the search"
curl -fs "$I1/openapi" | grep -q '"openapi" : "3.1.0"' || fail "no OpenAPI description at $I1/openapi"
step "instance 2's metrics count the search; $I1/openapi describes the API"

# An API key, made in instance 1's container, guards both instances (one keys file).
secret=$($COMPOSE exec -T vectorstream-1 /app/vectorstream api-key create --name smoke --scope admin | grep '^vs_' || true)
[[ -n "$secret" ]] || fail "no API key was created"
step "an admin key created in instance 1's container"
for _ in $(seq 1 20); do
  status=$(curl -s -o /dev/null -w '%{http_code}' "$I2/v1/libraries/smoke")
  [[ "$status" == 401 ]] && break
  sleep 1
done
[[ "$status" == 401 ]] || fail "instance 2 still answers without a key ($status)"
KEY_HEADER=(-H "X-Api-Key: $secret")
step "instance 2 refuses requests without the key (401) and answers with it"
await_search

step "docker-compose --profile scale up -d --scale vectorstream-more=1"
$COMPOSE --profile scale up -d --scale vectorstream-more=1
MORE=http://localhost:$($COMPOSE port --index=1 vectorstream-more 8080 | cut -d: -f2)
for _ in $(seq 1 90); do
  body=$(json -X POST "$MORE/v1/libraries/smoke/search" -d '{"text": "when does the train leave", "k": 1}' || true)
  cluster=$(curl -fs ${KEY_HEADER[@]+"${KEY_HEADER[@]}"} "$MORE/v1/cluster" || true)
  if [[ "$body" == *'"chunkId":"train"'* && "$body" == *'"partial":false'* && "$cluster" == *'"unassigned":[]'* \
        && $(grep -o '"active":\[[0-9]' <<< "$cluster" | wc -l) -ge 3 ]]; then
    break
  fi
  sleep 2
done
[[ "$body" == *'"chunkId":"train"'* && $(grep -o '"active":\[[0-9]' <<< "$cluster" | wc -l) -ge 3 ]] \
  || fail "a third instance ($MORE) did not join and answer: $body $cluster"
step "a third instance ($MORE) holds shards and finds it: $cluster"
$COMPOSE --profile scale rm -s -f vectorstream-more

step "docker-compose down (volumes kept)"
$COMPOSE down
step "docker-compose up -d"
$COMPOSE up -d
await_cluster
await_search

step "docker-compose down -v"
$COMPOSE down -v
step "passed; image size: $(docker image inspect vectorstream:local --format '{{.Size}}' 2>/dev/null || echo unknown) bytes"
