pub mod get_room;
pub mod list_messages;
pub mod list_rooms;
pub mod mark_read;
pub mod open_direct;
pub mod room_ids;
pub mod send_message;
