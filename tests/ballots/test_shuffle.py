"""The proof of a shuffle on its own (coop/ballots/shuffle.py): generators anyone can
recompute, and a prover that runs the algorithm faithfully over a false claim is caught."""

from coop.ballots import crypto, shuffle

CONTEXT = b"coop ranked mix test"
OTHER = b"coop ranked mix other"


def encrypt(public: bytes, value: int) -> bytes:
    r = crypto.random_scalar()
    b = crypto.add(crypto.times(r, public), crypto.weight_point(value))
    return crypto.base_times(r) + b


def test_a_prover_following_the_algorithm_with_a_false_witness_is_caught():
    """The proof run honestly over outputs that are not what it claims: one message shifted,
    or one component permuted otherwise than the rest (the vector adaptation's weak spot)."""
    key = crypto.generate_key()
    ballots = [
        [crypto.Ciphertext.from_bytes(encrypt(key.public, 10 * v + k)) for k in range(3)]
        for v in range(4)
    ]
    order, other = [2, 0, 3, 1], [0, 2, 3, 1]
    rho = [[int.from_bytes(crypto.random_scalar(), "little") for _ in range(3)] for _ in range(4)]

    def reencrypt(i: int, k: int, source: int, shift: int = 0) -> crypto.Ciphertext:
        e, r = ballots[source][k], crypto.scalar(rho[i][k])
        b = crypto.add(crypto.add(e.b, crypto.times(r, key.public)), crypto.weight_point(shift))
        return crypto.Ciphertext(crypto.add(e.a, crypto.base_times(r)), b)

    honest = [[reencrypt(i, k, order[i]) for k in range(3)] for i in range(4)]
    proof = shuffle._prove(key.public, ballots, honest, order, rho, CONTEXT)
    assert shuffle.verify(key.public, ballots, honest, proof, CONTEXT)
    shifted = [row[:] for row in honest]
    shifted[1][2] = reencrypt(1, 2, order[1], shift=1)
    crossed = [
        [reencrypt(i, k, other[i] if k == 1 else order[i]) for k in range(3)] for i in range(4)
    ]
    for outputs in (shifted, crossed):
        for witness in (order, other):
            proof = shuffle._prove(key.public, ballots, outputs, witness, rho, CONTEXT)
            assert not shuffle.verify(key.public, ballots, outputs, proof, CONTEXT)


# Generators


def test_generators_are_deterministic_valid_and_differ_by_index_and_context():
    first = shuffle.generators(CONTEXT, 5)
    assert first == shuffle.generators(CONTEXT, 5)
    assert shuffle.generators(CONTEXT, 3) == first[:4]
    other = shuffle.generators(OTHER, 5)
    assert len(set(first + other)) == 12
    assert crypto.weight_point(1) not in first
    for point in first + other:
        assert crypto.valid_point(point) == point
