"""Judging what a block printed against the output fence after it (verify/judge.py)."""

from pelican_snippets.verify.judge import matches

from .helpers import fence, judged


def test_output_fence_that_matches():
    text = fence("for i in range(3):\n    print(i, 'x')") + "\n" + fence("0 x\n1 x   \n2 x\n\n", "output")
    assert judged(text)[1].status == "passed"


def test_output_fence_mismatch_is_a_failure_at_the_fence_with_a_diff():
    text = "Intro.\n\n" + fence("print('hello')\nprint('world')") + "\n" + fence("hello\nthere", "output")
    result = judged(text)[1]
    assert result.status == "failed"
    assert result.error_line() == (
        "content/posts/t.md:8: error: python block 1 printed something other than the expected output")
    assert "--- expected (in the post)" in result.details
    assert "-there" in result.details and "+world" in result.details


def test_ellipsis_option_allows_wildcards():
    code = "print('object at', hex(id(object())))\nprint('done')"
    assert judged(fence(code) + "\n" + fence("object at ...\ndone", "output ellipsis"))[1].status == "passed"
    assert judged(fence(code) + "\n" + fence("object at ...\ndone", "output"))[1].status == "failed"


def test_matches_rules():
    assert matches("a\nb", "a  \nb\n\n")
    assert not matches("a\nb", "a\nc")
    assert matches("start ... end", "start middle\nmore end", ellipsis=True)
    assert not matches("start ... end", "start middle", ellipsis=True)
