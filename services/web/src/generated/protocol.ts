// Generated from proto/protocol.schema.json by scripts/gen-types.mjs. Do not edit.

export type paths = Record<string, never>;
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** @description Frames a client sends. */
        ClientFrame: {
            token: string;
            /** @enum {string} */
            type: "auth";
        } | {
            body: string;
            client_msg_id: string;
            /** Format: uuid */
            reply_to?: string | null;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "send";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "typing";
        } | {
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "read";
        } | {
            /** @enum {string} */
            type: "ping";
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
        /**
         * @description A user came online or went offline. Ephemeral, published by gateways straight to the
         *     exchange (never stored): `room_ids` are the user's rooms, whose members are told.
         */
        PresenceChanged: {
            /** Format: date-time */
            last_seen_at?: string | null;
            online: boolean;
            room_ids: string[];
            /** Format: uuid */
            user_id: string;
        };
        /** @enum {string} */
        RoomKind: "direct" | "saved" | "group" | "public";
        /** @description Frames the gateway sends. */
        ServerFrame: {
            /**
             * @description A sync cursor; keep it, and after a reconnect sync from it (then from each
             *     `next_cursor`) to get what was missed.
             */
            cursor: string;
            /**
             * Format: uuid
             * @description The gateway instance holding this socket (for diagnostics).
             */
            instance_id: string;
            /** Format: int32 */
            protocol: number;
            /** Format: uuid */
            session_id: string;
            /** @enum {string} */
            type: "hello";
            /** Format: uuid */
            user_id: string;
        } | {
            client_msg_id: string;
            message: components["schemas"]["Message"];
            /** @enum {string} */
            type: "ack";
        } | {
            client_msg_id?: string | null;
            code: string;
            message: string;
            /** @enum {string} */
            type: "error";
        } | {
            message: components["schemas"]["Message"];
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
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
            type: "read";
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
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_edited";
        } | {
            /** Format: uuid */
            message_id: string;
            /** Format: uuid */
            room_id: string;
            /** Format: int64 */
            seq: number;
            /** @enum {string} */
            type: "message_deleted";
        } | {
            name?: string | null;
            /** Format: uuid */
            room_id: string;
            topic?: string | null;
            /** @enum {string} */
            type: "room_updated";
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "room_deleted";
        } | {
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_joined";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_left";
            /** Format: uuid */
            user_id: string;
        } | {
            role: components["schemas"]["MemberRole"];
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "member_role_changed";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: date-time */
            last_seen_at?: string | null;
            online: boolean;
            /** @enum {string} */
            type: "presence";
            /** Format: uuid */
            user_id: string;
        } | {
            /** Format: int64 */
            last_read_seq: number;
            /** Format: uuid */
            room_id: string;
            /** @enum {string} */
            type: "unread";
            /** Format: int64 */
            unread: number;
        } | {
            /** @enum {string} */
            type: "pong";
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
