class Event:
    user_id: str
    item_id: str
