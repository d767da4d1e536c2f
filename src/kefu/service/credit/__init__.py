"""Credit area: importing orders and chats, crediting a month, KPI and pay, the overview dashboard."""
