#!/usr/bin/env python3
"""Gives the demo users (registered by scripts/seed) a living chat through the public API:
direct chats between them, a private group, a public room with a topic, and some history with
replies and an edit, so that someone who logs in as alice sees what the product does.

Running it again adds nothing: rooms are found by name before they are made, and each message
has a fixed client_msg_id, which the API answers with the stored message on a repeat.

    seed-chats.py http://127.0.0.1:8080 password123
"""

import json
import sys
import time
import urllib.error
import urllib.request

BASE, PASSWORD = sys.argv[1], sys.argv[2]


def call(method, path, token=None, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for attempt in range(5):
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                text = res.read().decode()
                return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            # Rate limited: wait as told and try again.
            if e.code == 429 and attempt < 4:
                time.sleep(float(e.headers.get("Retry-After", "2")))
                continue
            raise SystemExit(f"{method} {path}: HTTP {e.code}: {e.read().decode()[:300]}")
    raise SystemExit(f"{method} {path}: still rate limited")


def login(name):
    return call("POST", "/api/auth/login", body={"login": name, "password": PASSWORD})


people = {name: login(name) for name in ("alice", "bob", "carol", "dave")}
token = {name: s["access_token"] for name, s in people.items()}
uid = {name: s["user"]["id"] for name, s in people.items()}


def my_rooms(name):
    rooms, cursor = [], None
    while True:
        page = call("GET", "/api/rooms?limit=200" + (f"&cursor={cursor}" if cursor else ""), token[name])
        rooms += page["rooms"]
        cursor = page.get("next_cursor")
        if not cursor:
            return rooms


def room_named(owner, kind, name, topic, members):
    for r in my_rooms(owner):
        if r["kind"] == kind and r.get("name") == name:
            return r["id"]
    body = {"kind": kind, "name": name, "member_ids": [uid[m] for m in members]}
    if topic:
        body["topic"] = topic
    return call("POST", "/api/rooms", token[owner], body)["id"]


def direct(a, b):
    return call("POST", "/api/rooms/direct", token[a], {"user_id": uid[b]})["id"]


def say(room, who, key, body, reply_to=None):
    msg = {"client_msg_id": f"demo-{key}", "body": body}
    if reply_to:
        msg["reply_to"] = reply_to
    return call("POST", f"/api/rooms/{room}/messages", token[who], msg)


ab = direct("alice", "bob")
first = say(ab, "bob", "ab-1", "Hi Alice! Did you get the photos from Saturday?")
say(ab, "alice", "ab-2", "Yes, they came out great. The one at the lake is my favourite.")
plan = say(ab, "bob", "ab-3", "Lunch on Thursday? The new place near the station.")
edited = say(ab, "alice", "ab-4", "Thursday works, 12:30?", reply_to=plan["id"])
if not edited.get("edited_at"):
    call("PATCH", f"/api/rooms/{ab}/messages/{edited['seq']}", token["alice"],
         {"body": "Thursday works, 13:00? I have a call until 12:45."})
say(ab, "bob", "ab-5", "13:00 it is. See you there!")

ac = direct("alice", "carol")
say(ac, "carol", "ac-1", "Could you review my slides before Monday?")
say(ac, "alice", "ac-2", "Sure, send them over. I will look tonight.")

trip = room_named("alice", "group", "Weekend trip", "Planning the hike in May", ["bob", "carol"])
route = say(trip, "alice", "trip-1", "Which route do we take: the ridge or the valley?")
say(trip, "carol", "trip-2", "The ridge, if the weather holds.", reply_to=route["id"])
say(trip, "bob", "trip-3", "I can drive. Four seats, so we fit.")
say(trip, "alice", "trip-4", "Perfect. Leaving at 7 then?")

general = room_named("carol", "public", "General", "Say hello: anyone can join this room", [])
for who in ("alice", "bob", "dave"):
    call("POST", f"/api/rooms/{general}/join", token[who])
hello = say(general, "carol", "gen-1", "Welcome to General! Introduce yourself.")
say(general, "dave", "gen-2", "Hi all, Dave here. I joined last week.", reply_to=hello["id"])
say(general, "bob", "gen-3", "Welcome, Dave!")

print("demo chats: 2 direct chats, group 'Weekend trip', public room 'General'")
