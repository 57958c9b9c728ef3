"""Reading: an article's text, title, date and sentences from text, Markdown, HTML or PDF."""
