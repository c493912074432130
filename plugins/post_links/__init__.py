"""Previous/next posts and related posts (by shared tags), computed once per build.

Done in a template, both need a loop over every post for every post, and the
build time grows with the square of the number of posts (a 1000-post blog took
minutes). Here each article gets, in one pass:
  article.newer_post, article.older_post   (neighbours by date, or None)
  article.related_posts                    [(shared tag count, article), ...] best first, at most 3
"""

from collections import Counter, defaultdict

from pelican import signals

RELATED_LIMIT = 3


def link_posts(generator) -> None:
    articles = list(generator.articles)  # published, newest first
    by_tag = defaultdict(list)
    for article in articles:
        for tag in getattr(article, "tags", None) or []:
            by_tag[str(tag)].append(article)
    # Articles are counted by identity: a Pelican URL is worked out afresh on every access,
    # which made this the slowest step of a 1000-post build.
    by_id = {id(article): article for article in articles}
    newest_first = {id(article): -article.date.timestamp() for article in articles}
    for index, article in enumerate(articles):
        article.newer_post = articles[index - 1] if index > 0 else None
        article.older_post = articles[index + 1] if index + 1 < len(articles) else None
        shared = Counter()
        for tag in {str(tag) for tag in getattr(article, "tags", None) or []}:
            shared.update(id(other) for other in by_tag[tag] if other is not article)
        best = sorted(shared.items(), key=lambda item: (-item[1], newest_first[item[0]]))
        article.related_posts = [(count, by_id[key]) for key, count in best[:RELATED_LIMIT]]


def register() -> None:
    signals.article_generator_finalized.connect(link_posts)
