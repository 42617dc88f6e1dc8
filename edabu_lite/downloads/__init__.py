"""Large downloads made by a background job (`operations`), kept for a while, then removed
(`upkeep`). Generic: each feature registers how it writes its kind of file (`registry`)."""
