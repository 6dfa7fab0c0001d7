"""The ground floor shared by every ducha app; imports no ducha app."""
