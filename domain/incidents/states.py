"""Lifecycle states and levels of a public-opinion incident (政务舆情事件)."""


class Status:
    OPEN = "open"  # opened, owners not yet assigned (同步安排 pending)
    HANDLING = "handling"  # both owners assigned: handling and response under way
    CLOSED = "closed"  # both tracks complete, with a closing summary (同步落实)


STATUS_LABELS = {Status.OPEN: "待安排", Status.HANDLING: "处置与回应中", Status.CLOSED: "已办结"}
OPEN_STATES = (Status.OPEN, Status.HANDLING)

# Levels, lowest first: code -> (Chinese name, colour name, colour word on the board).
LEVELS = {"IV": ("一般", "blue", "蓝色"), "III": ("较大", "yellow", "黄色"),
          "II": ("重大", "orange", "橙色"), "I": ("特别重大", "red", "红色")}
MAJOR_LEVELS = ("II", "I")

# Public response statements.
STATEMENTS = {"authoritative": "发布权威信息", "press_conference": "召开新闻发布会",
              "written": "书面答复或情况通报"}
