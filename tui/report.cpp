namespace shipwatch {}
