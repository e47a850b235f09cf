#!/usr/bin/python3
"""Open-loop load for bench/api-launch.sh: POSTs one body to /api/v1/containers at a fixed rate.

Launch i is due at start + i/rate whatever happened to the ones before it; a pool of threads, each with its own
kept-alive connection, sends them. A bash loop forking curl per launch costs about 40 ms of CPU each, which at 20
launches a second on 2 cores takes a third of a core from the host being measured; this costs a few.

    launch-load.py URL TOKEN RATE SECONDS BODY OUT

Writes one line per launch to OUT: "STATUS SECONDS STATE LATE", SECONDS from when the launch was due to its answer
(so a sender held up by a slow host does not hide the wait), LATE how late it was sent. Prints how long sending took.
"""

import http.client
import json
import queue
import sys
import threading
import time
import urllib.parse


def main() -> int:
    url, token, rate, seconds, body, out = sys.argv[1:7]
    rate, seconds = float(rate), float(seconds)
    total = int(rate * seconds)
    target = urllib.parse.urlsplit(url)
    headers = {"authorization": "Bearer " + token, "content-type": "application/json"}
    payload = body.encode()
    due_queue: "queue.Queue[tuple[int, float] | None]" = queue.Queue()
    results: list[str] = [""] * total

    def worker() -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        while (item := due_queue.get()) is not None:
            index, due = item
            sent = time.monotonic()
            try:
                connection.request("POST", "/api/v1/containers", payload, headers)
                response = connection.getresponse()
                answer = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                status, answer = 0, b""
            answered = time.monotonic()
            try:
                state = json.loads(answer).get("state", "none")
            except ValueError:
                state = "none"
            results[index] = f"{status} {answered - due:.6f} {state} {sent - due:.6f}"
        connection.close()

    # Enough threads that a slow answer never holds up the next launch: about 10 s of launches in flight.
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(8, int(rate * 10)))]
    for t in threads:
        t.start()
    start = time.monotonic()
    for i in range(total):
        due = start + i / rate
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        due_queue.put((i, due))
    for _ in threads:
        due_queue.put(None)
    sending = time.monotonic() - start
    for t in threads:
        t.join()
    with open(out, "w", encoding="ascii") as f:
        f.write("\n".join(results) + "\n")
    print(f"sent {total} in {sending * 1000:.0f} ms, all answered after {(time.monotonic() - start) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
