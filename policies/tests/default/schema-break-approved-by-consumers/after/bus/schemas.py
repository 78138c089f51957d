class Event:
    user_id: str
