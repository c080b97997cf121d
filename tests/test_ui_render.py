

def test_markdown_in_titles_and_questions_is_shown_as_text():
    from ui.render import plain

    shown = plain("![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%")
    assert "![" not in shown and "](" not in shown and "<img" not in shown and "http:" not in shown
    assert shown.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">") == \
        "![t](http://host/x.png) [a](javascript:x) <img src=x> 2.5%"
