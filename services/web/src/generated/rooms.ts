// Generated from services/rooms/openapi.json by scripts/gen-types.mjs. Do not edit.

export interface paths {
    "/api/rooms": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** My rooms, newest activity first, each with its last message and my unread count. */
        get: operations["list_rooms"];
        put?: never;
        /** Create a private group or a public room; I become its owner. */
        post: operations["create_room"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A room with its members. 404 unless I am a member or the room is public. */
        get: operations["get_room"];
        put?: never;
        post?: never;
        /** Delete a room (owner only). Its members are told; it disappears for everyone. */
        delete: operations["delete_room"];
        options?: never;
        head?: never;
        /** Rename a room or change its topic (owner or admin). Members are told. */
        patch: operations["update_room"];
        trace?: never;
    };
    "/api/rooms/{id}/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Join a public room. */
        post: operations["join"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/leave": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Leave a group or public room. When the last owner leaves, ownership passes to the
         *     longest-standing admin, else to the longest-standing member; when nobody is left, the room
         *     is deleted.
         */
        post: operations["leave"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add someone to a group or public room (owner or admin). */
        post: operations["add_member"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/members/{user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove someone (owner: anyone else; admin: members only). */
        delete: operations["kick"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/members/{user_id}/role": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Change a member's role (owner only). */
        put: operations["set_role"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A page of history, by seq cursor (never OFFSET): the latest messages by default. Members
         *     read any room they are in; anyone may read a public room.
         */
        get: operations["list_messages"];
        put?: never;
        /**
         * Store a message in a room. It takes the room's next seq, and its event is published
         *     through the outbox after commit.
         */
        post: operations["send_message"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/messages/{seq}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete a message: my own, or anyone's when I am the room's owner or an admin. Its place in
         *     history stays as a tombstone without text.
         */
        delete: operations["delete_message"];
        options?: never;
        head?: never;
        /** Edit one of my messages; it is marked edited and the members are told. */
        patch: operations["edit_message"];
        trace?: never;
    };
    "/api/rooms/{id}/messages/{seq}/readers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who has read a message (from the members' read watermarks). */
        get: operations["readers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/mute": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /**
         * Mute or unmute this room's Telegram notifications, for me only. Messages still arrive and
         *     count as unread.
         */
        put: operations["set_mute"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Move my read watermark forward (never back); members are told. */
        post: operations["mark_read"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/direct": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Get or create the direct room with a user: one per pair, whatever the order or concurrency. */
        post: operations["open_direct"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/ids": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The ids of my rooms and the sync cursor of this moment (a gateway subscribes a new socket
         *     to them and hands the cursor to the client in `hello`).
         */
        get: operations["room_ids"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/ids/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * The rooms of several users and one sync cursor taken before any of them was read (service
         *     credential only): a gateway asks for the users whose sockets connected together, in one
         *     round trip and one statement. Each user's rooms are what `GET /api/rooms/ids` would answer
         *     them.
         */
        post: operations["room_ids_batch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/messages/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Store the sends of users connected to a gateway, together (service credential only). Each
         *     send is checked and answered exactly as `POST /api/rooms/{id}/messages` would answer it for
         *     its user (membership, validation, the per-user send limit, idempotency by
         *     `client_msg_id`); the batch only shares one round trip, one transaction and one durable
         *     commit, and every answer comes after that commit. The gateway sends what its sockets queued
         *     while its previous batch was being stored.
         * @description Its body may be up to `MAX_SEND_BATCH_BYTES` (1 MiB) of JSON, more than the other
         *     routes take (a send's at most): the extractor says so ([`JsonUpTo`]).
         */
        post: operations["send_batch"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/public": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The directory of public rooms, by name, searchable by any part of the name or topic. */
        get: operations["public_rooms"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Full-text search over the messages of my rooms and of public rooms: whole words, word
         *     prefixes and any part of a word.
         */
        get: operations["search"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/rooms/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Everything I missed since a cursor, across all my rooms, in order, paginated; or `reset`
         *     when the cursor is older than the retained log.
         */
        get: operations["sync"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AddMemberRequest: {
            /** Format: uuid */
            user_id: string;
        };
        /** @description What one send of a batch came to. */
        BatchedResult: {
            /** @description Stored (`created`), or a retry answered with the message stored the first time. */
            stored: {
                created: boolean;
                message: components["schemas"]["Message"];
            };
        } | {
            /** @description Refused: the error code and message the single send would have answered with. */
            failed: {
                code: string;
                message: string;
                /** Format: int32 */
                status: number;
            };
        };
        /** @description One send of a [`SendBatch`]: what a client's `send` frame said, and who sent it. */
        BatchedSend: {
            body: string;
            client_msg_id: string;
            /** Format: uuid */
            reply_to?: string | null;
            /** @description The socket's request id, carried into the message's event and logs. */
            request_id?: string | null;
            /** Format: uuid */
            room_id: string;
            /**
             * Format: uuid
             * @description The user the gateway acts for (the socket's authenticated user).
             */
            user_id: string;
        };
        CreateRoomRequest: {
            kind: components["schemas"]["NewRoomKind"];
            /** @description Initial members besides me (I am the owner), at most 200. */
            member_ids?: string[];
            /** @description 1 to 64 characters. */
            name: string;
            /** @description Up to 256 characters. */
            topic?: string | null;
        };
        EditRequest: {
            body: string;
        };
        ErrorBody: {
            /** @description A stable machine-readable code, e.g. `not_found`. */
            code: string;
            /** @description For `validation_failed` and `conflict`: a message per offending field. */
            fields?: {
                [key: string]: string;
            } | null;
            /** @description A human-readable explanation. */
            message: string;
        };
        /** @description The JSON body of every error response. */
        ErrorEnvelope: {
            error: components["schemas"]["ErrorBody"];
        };
        /**
         * @description What travels on the broker: a unique id for deduplication, the request id that caused it
         *     (so logs can follow a message from REST to the gateway and notifier), and the payload.
         */
        Event: {
            /** Format: uuid */
            id: string;
            /** Format: date-time */
            occurred_at: string;
            payload: components["schemas"]["EventPayload"];
            request_id?: string | null;
        };
        EventPayload: {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "message_created";
        } | {
            kind: components["schemas"]["RoomKind"];
            member_ids: string[];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_created";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "typing";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_up_to";
            /**
             * Format: int64
             * @description Messages of the room the reader has still not read (newer than `seq`).
             */
            unread?: number;
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read_by_all";
        } | {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "message_edited";
        } | {
            /** Format: uuid */
            deleted_by: string;
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_deleted";
        } | {
            /** Format: uuid */
            by: string;
            name?: string | null;
            /** Format: uuid */
            room_id: string;
            topic?: string | null;
            /** @enum {string} */
            type: "room_updated";
        } | {
            /** Format: uuid */
            by: string;
            member_ids: string[];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_deleted";
        } | {
            /** Format: uuid */
            by: string;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_joined";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            by: string;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_left";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            by: string;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_role_changed";
            /** Format: uuid */
            user_id: string;
        };
        LeftRoom: {
            /**
             * Format: uuid
             * @description Who owns the room now, when I was its last owner.
             */
            new_owner?: string | null;
            /** @description True when I was the last member: the room was deleted. */
            room_deleted: boolean;
            /** Format: uuid */
            room_id: string;
        };
        /** @enum {string} */
        MemberRole: "owner" | "admin" | "member";
        /** @description A stored message. `seq` is its gap-free position in its room. */
        Message: {
            body: string;
            client_msg_id: string;
            /** Format: date-time */
            created_at: string;
            deleted: boolean;
            /** Format: date-time */
            edited_at?: string | null;
            /** Format: uuid */
            id: string;
            /** Format: uuid */
            reply_to?: string | null;
            /** Format: uuid */
            room_id: string;
            /** Format: uuid */
            sender_id: string;
            /** Format: int64 */
            seq: number;
        };
        MessagePage: {
            /**
             * @description More exist in the direction of travel: older for the latest page, `before` and
             *     `around`, newer for `after`.
             */
            has_more: boolean;
            /** @description Newer messages exist after this page. */
            has_newer: boolean;
            /** @description Older messages exist before this page. */
            has_older: boolean;
            /** @description By seq, in the order asked for. */
            messages: components["schemas"]["Message"][];
        };
        MuteSetting: {
            /** @description True: no Telegram notifications for this room. */
            muted: boolean;
        };
        /** @enum {string} */
        NewRoomKind: "group" | "public";
        OpenDirectRequest: {
            /**
             * Format: uuid
             * @description The other user; my own id opens "Saved messages".
             */
            user_id: string;
        };
        PublicRoom: {
            /** Format: uuid */
            id: string;
            /** @description Whether I am a member. */
            joined: boolean;
            /** Format: int64 */
            member_count: number;
            name?: string | null;
            topic?: string | null;
        };
        PublicRoomPage: {
            next_cursor?: string | null;
            rooms: components["schemas"]["PublicRoom"][];
        };
        Readers: {
            /** @description Members other than the sender who have read the message. */
            read_by: string[];
            /** @description Whether every member other than the sender has. */
            read_by_all: boolean;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
        };
        ReadRequest: {
            /**
             * Format: int64
             * @description I have read every message up to this seq.
             */
            seq: number;
        };
        ReadState: {
            /** Format: int64 */
            last_read_seq: number;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            unread: number;
        };
        /** @description A room with its members. */
        Room: {
            /** Format: date-time */
            created_at: string;
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["RoomKind"];
            /** Format: int64 */
            last_seq: number;
            members: components["schemas"]["RoomMember"][];
            name?: string | null;
            topic?: string | null;
        };
        /**
         * @description A user's rooms and the sync cursor taken before they were read (`GET /api/rooms/ids`): a
         *     gateway subscribes a new socket to them and hands the cursor to the client in `hello`.
         */
        RoomIds: {
            /**
             * @description A sync cursor taken before the rooms were read: every event after it is in the sync
             *     log (`GET /api/rooms/sync?cursor=`).
             */
            cursor: string;
            room_ids: string[];
        };
        /**
         * @description The rooms of several users at once (`POST /api/rooms/ids/batch`, service credential only):
         *     a gateway asks for the users of the sockets that connected while its previous ask was on
         *     its way, so a burst of connects costs a few round trips, not one each.
         */
        RoomIdsBatch: {
            /** @description 1 to 1,000 users; one may appear more than once. */
            user_ids: string[];
        };
        /**
         * @description The answer to a [`RoomIdsBatch`]: one cursor, taken before any room was read, and each
         *     user's rooms in the order the users were named.
         */
        RoomIdsBatchAnswer: {
            cursor: string;
            rooms: string[][];
        };
        /** @enum {string} */
        RoomKind: "direct" | "saved" | "group" | "public";
        RoomList: {
            rooms: components["schemas"]["RoomSummary"][];
        };
        RoomMember: {
            /**
             * Format: int64
             * @description The highest `seq` this member has read.
             */
            last_read_seq: number;
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            user_id: string;
        };
        /** @description One line of "my rooms". */
        RoomSummary: {
            /** Format: uuid */
            id: string;
            kind: components["schemas"]["RoomKind"];
            /** Format: date-time */
            last_activity_at: string;
            last_message?: components["schemas"]["Message"] | null;
            /** Format: int64 */
            last_read_seq: number;
            /** Format: int64 */
            last_seq: number;
            /** Format: int64 */
            member_count: number;
            /** @description Whether I muted this room's Telegram notifications. */
            muted: boolean;
            my_role: components["schemas"]["MemberRole"];
            name?: string | null;
            /**
             * Format: uuid
             * @description For direct rooms, the other user (yourself for "Saved messages").
             */
            peer_id?: string | null;
            topic?: string | null;
            /** Format: int64 */
            unread: number;
        };
        SearchPage: {
            /**
             * @description Newest first. Each hit names its room and seq: open it with
             *     `GET /api/rooms/{room_id}/messages?around={seq}`.
             */
            hits: components["schemas"]["Message"][];
            /** Format: uuid */
            next_cursor?: string | null;
        };
        /**
         * @description Sends made by users connected to a gateway, stored together (`POST /api/rooms/messages/batch`,
         *     service credential only). Each is checked and answered as `POST /api/rooms/{id}/messages`
         *     would answer it for that user; the batch only shares the round trip and the commit.
         */
        SendBatch: {
            /** @description At most 256. */
            sends: components["schemas"]["BatchedSend"][];
        };
        /** @description The answers to a [`SendBatch`], one per send, in its order. */
        SendBatchResults: {
            results: components["schemas"]["BatchedResult"][];
        };
        SendRequest: {
            body: string;
            /** @description Chosen by the client (a UUID); a retry with the same id returns the first message. */
            client_msg_id: string;
            /**
             * Format: uuid
             * @description A message of the same room this one answers.
             */
            reply_to?: string | null;
        };
        SetRoleRequest: {
            /** @description `admin` or `member`; `owner` hands ownership over (I become an admin). */
            role: components["schemas"]["MemberRole"];
        };
        SyncPage: {
            /**
             * @description What happened after the cursor in my rooms (and to my memberships), oldest first: new,
             *     edited and deleted messages, membership and room changes, receipts.
             */
            events: components["schemas"]["Event"][];
            /** @description More events are waiting: sync again at once. */
            has_more: boolean;
            /** @description Pass it to the next sync. */
            next_cursor: string;
            /**
             * @description The cursor is too old to serve: reload rooms and history, then sync from
             *     `next_cursor`.
             */
            reset: boolean;
        };
        UpdateRoomRequest: {
            /** @description 1 to 64 characters. */
            name?: string | null;
            /** @description Up to 256 characters; empty clears it. */
            topic?: string | null;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    list_rooms: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomList"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    create_room: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateRoomRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Invalid name or topic, unknown or too many members */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    get_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    delete_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not the owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Direct chats cannot be deleted */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    update_room: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["UpdateRoomRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            /** @description Not an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    join: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Joined (or already a member) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            /** @description No such public room */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    leave: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LeftRoom"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Direct chats cannot be left */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    add_member: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AddMemberRequest"];
            };
        };
        responses: {
            /** @description Added (or already a member) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            /** @description Not an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such room, or no such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    kick: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
                /** @description The member */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Removed */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The role does not allow it */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such room or member */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    set_role: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
                /** @description The member */
                user_id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SetRoleRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            /** @description Not the owner */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such room or member */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    list_messages: {
        parameters: {
            query?: {
                /** @description Messages with a higher seq (newer), nearest first. */
                after?: number;
                /** @description Messages centred on this seq (it included): to jump to a search hit or a reply. */
                around?: number;
                /** @description Messages with a lower seq (older), nearest first. */
                before?: number;
                /** @description Page size, 1 to 100 (default 50). */
                limit?: number;
                /** @description `asc` (default) or `desc`: the order of `messages` in the answer. */
                order?: "asc" | "desc";
            };
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MessagePage"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    send_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendRequest"];
            };
        };
        responses: {
            /** @description A retry: the message stored the first time */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Message"];
                };
            };
            /** @description Stored */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Message"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description client_msg_id already used in another room */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Too many messages: see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    delete_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
                /** @description The message's seq */
                seq: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Not my message, and not an owner or admin */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such room or message (or it was deleted) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    edit_message: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
                /** @description The message's seq */
                seq: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EditRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Message"];
                };
            };
            /** @description Not my message */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such room or message (or it was deleted) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Too many messages: see Retry-After */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    readers: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
                /** @description The message's seq */
                seq: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readers"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    set_mute: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["MuteSetting"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["MuteSetting"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    mark_read: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Room id */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ReadRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ReadState"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    open_direct: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OpenDirectRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Room"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No such user */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    room_ids: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomIds"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    room_ids_batch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RoomIdsBatch"];
            };
        };
        responses: {
            /** @description Each user's rooms, in the order they were named */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["RoomIdsBatchAnswer"];
                };
            };
            /** @description Not a service credential */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description No user, or more than 1,000 */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The database is down */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    send_batch: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["SendBatch"];
            };
        };
        responses: {
            /** @description One result per send, in order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SendBatchResults"];
                };
            };
            /** @description Not a service credential */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The batch is larger than 1 MiB */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description Empty, or more than 256 sends */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            /** @description The database is down */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    public_rooms: {
        parameters: {
            query?: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Page size, 1 to 100 (default 20). */
                limit?: number;
                /** @description Any part of a word of the name or topic, ignoring case. */
                q?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PublicRoomPage"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    search: {
        parameters: {
            query: {
                /** @description The `next_cursor` of the previous page. */
                cursor?: string;
                /** @description Hits per page, 1 to 50 (default 20). */
                limit?: number;
                /** @description Words or parts of words; 2 to 100 characters. */
                q: string;
                /** @description Only this room. */
                room_id?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SearchPage"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
    sync: {
        parameters: {
            query?: {
                /**
                 * @description Where the client stands: the `cursor` of its `hello` frame or the `next_cursor` of the
                 *     previous sync. Absent: just the current cursor, no events.
                 */
                cursor?: string;
                /** @description Events per page, 1 to 500 (default 200). */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["SyncPage"];
                };
            };
            /** @description Not a cursor */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorEnvelope"];
                };
            };
        };
    };
}
