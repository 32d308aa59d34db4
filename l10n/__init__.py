"""What both front ends need to speak the reader's language: the gettext catalogs, and dates, times and
money formatted with Babel in the reader's locale and zone."""
