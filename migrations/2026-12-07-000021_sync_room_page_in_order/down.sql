DROP FUNCTION sync_room_page(uuid, bigint, bigint, bigint, bigint);
