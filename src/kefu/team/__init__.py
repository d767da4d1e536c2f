"""Team self-service rules (seed 001 三/六/七/九/十一/十二, 002, 004) as plain data in, plain data out.

Leave and its balances, shift swaps and who could take a shift, overtime terms,
product briefings and their quiz, onboarding and early 转正, the fines and
rewards ladder, goals and the promotion track. No database, no clock: the
service layer (``kefu.service.team``) loads rows, passes dates and figures in,
and stores what comes back.
"""
