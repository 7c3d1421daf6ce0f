"""Recursive calls: naive Fibonacci, nothing but Python function calls and small-int adds."""


def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)


def work():
    return fib(32)
