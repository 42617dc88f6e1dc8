"""Contributions (iuran): the month's bill per worker and in total (contract §4, domain §4),
its effective-dated rates, next month's outlook and the comparison with last month."""
