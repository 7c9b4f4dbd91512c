"""Words and word shingles (pipelines/similarity.py), the hashes probes and stories are compared by."""

import hashlib

from pipelines.similarity import each_shingle, each_shingle_in, shingles, words


def blake64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def test_words_are_lowercased_letters_and_digits_and_each_han_kana_or_hangul_character_is_one():
    assert words("Xi's talks_in 2024, re-run.") == ["xi", "s", "talks", "in", "2024", "re", "run"]
    assert words("Talks in 北京 today") == ["talks", "in", "北", "京", "today"]
    # A word with a Han character in it is read a character at a time, its Latin letters too.
    assert words("abc中 한국 かな") == ["a", "b", "c", "中", "한", "국", "か", "な"]
    assert words(" ,. ") == []


def test_shingles_are_the_hashes_of_each_run_of_three_words_in_order():
    assert list(each_shingle("One two, three FOUR")) == [blake64("one two three"), blake64("two three four")]
    assert list(each_shingle("北京 talks")) == [blake64("北 京 talks")]
    assert shingles("a b c a b c") == {blake64("a b c"), blake64("b c a"), blake64("c a b")}


def test_a_text_shorter_than_a_shingle_is_one_shingle_and_no_words_none():
    assert list(each_shingle("Two words")) == [blake64("two words")]
    assert list(each_shingle("Two words", size=1)) == [blake64("two"), blake64("words")]
    assert list(each_shingle("—")) == []


def test_a_text_given_in_pieces_cut_between_words_has_the_whole_texts_shingles_and_is_read_lazily():
    texts = [
        "One two, three FOUR\nfive six\n\nseven",
        "Talks in 北京\n today 2024\nand_more",
        "Two\nwords",
        "—\n\n",
        "a\nb\nc\na\nb\nc",
        "",
    ]
    for text in texts:
        for size in (1, 3):
            assert list(each_shingle_in(text.split("\n"), size)) == list(each_shingle(text, size)), text
    read = []

    def pieces():
        for piece in ("one two three", "four five", "six seven"):
            read.append(piece)
            yield piece

    first = next(each_shingle_in(pieces()))
    assert first == blake64("one two three")
    assert read == ["one two three"]
